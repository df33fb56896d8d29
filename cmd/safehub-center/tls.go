package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/safehub-iot/safehub/center"
	"github.com/safehub-iot/safehub/internal/cli"
)

// tlsFlags reads the TLS flags into cfg: the center's client side (--ca,
// --client-cert, --client-key) and the embedded broker's TLS
// (--broker-cert, --broker-key). Mistakes in how they combine are usage
// errors; files that do not load name their flag.
func tlsFlags(cfg *center.Config, caFile, certFile, keyFile, brokerCert, brokerKey string) error {
	if (certFile == "") != (keyFile == "") {
		return cli.Usagef("--client-cert and --client-key go together")
	}
	if (brokerCert == "") != (brokerKey == "") {
		return cli.Usagef("--broker-cert and --broker-key go together")
	}
	if brokerCert != "" && cfg.BrokerURL != "" {
		return cli.Usagef("--broker-cert is for the embedded broker; drop it or --broker")
	}
	var pool *x509.CertPool
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("--ca: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca: %s holds no PEM certificate", caFile)
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("--client-cert/--client-key: %w", err)
		}
		cfg.ClientTLS = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	} else if pool != nil {
		cfg.ClientTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if brokerCert != "" {
		if pool == nil || certFile == "" {
			return cli.Usagef("--broker-cert needs --ca (the device CA) and --client-cert/--client-key for the center itself")
		}
		cert, err := tls.LoadX509KeyPair(brokerCert, brokerKey)
		if err != nil {
			return fmt.Errorf("--broker-cert/--broker-key: %w", err)
		}
		cfg.BrokerTLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	}
	return nil
}
