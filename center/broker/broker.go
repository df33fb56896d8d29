package broker

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/safehub-iot/safehub/cloudlink/protocol"
)

// Config configures the embedded broker.
type Config struct {
	// Addr is the TCP address to listen on ("127.0.0.1:1883"; port 0
	// picks a free one).
	Addr string
	// TLS, when set, makes the listener TLS-only. It must require and
	// verify client certificates (tls.RequireAndVerifyClientCert) against
	// the device CA; a client's identity is then its certificate's CN and
	// the user name it sends is ignored, as with Mosquitto's
	// use_identity_as_username.
	TLS *tls.Config
	// CenterPassword is, without TLS (demo mode), the password CenterUser
	// must give. Boxes then authenticate by user name = site id alone, which
	// is fit for a demo on loopback only.
	CenterPassword string
	// ACL is applied to every publish, subscription and delivery; nil
	// means the rules of DistrictACL.
	ACL *ACL
	Log *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv *mqtt.Server
	ln  *listeners.TCP
}

// Start validates cfg and starts the broker.
func Start(cfg Config) (*Broker, error) {
	if cfg.Addr == "" {
		return nil, errors.New("broker: addr is required")
	}
	if cfg.TLS != nil && cfg.TLS.ClientAuth != tls.RequireAndVerifyClientCert {
		return nil, errors.New("broker: tls: client certificates must be required and verified")
	}
	if cfg.TLS == nil && cfg.CenterPassword == "" {
		return nil, errors.New("broker: center password is required without tls")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ACL == nil {
		acl, err := ParseACL(strings.NewReader(DistrictACL()))
		if err != nil {
			return nil, fmt.Errorf("broker: built-in acl: %w", err)
		}
		cfg.ACL = acl
	}
	caps := mqtt.NewDefaultServerCapabilities()
	// mochi drops a QoS 1 message for a client that already has this many
	// unacknowledged in flight or this many writes queued ("client store
	// quota reached"). The center is the client that falls behind in a
	// storm: give it mochi's largest window, 65,535 messages (some 30 MB
	// at most), so a storm of a whole district is queued, not dropped. The
	// boxes' resend of unacknowledged alarms and the center's gap replay
	// would recover a drop, but a minute late.
	caps.MaximumInflight = 65535
	caps.MaximumClientWritesPending = 65536
	srv := mqtt.New(&mqtt.Options{Capabilities: caps, Logger: cfg.Log.With("component", "mqtt-broker")})
	if err := srv.AddHook(&authHook{cfg: cfg}, nil); err != nil {
		return nil, fmt.Errorf("broker: add auth hook: %w", err)
	}
	ln := listeners.NewTCP(listeners.Config{ID: "safehub", Address: cfg.Addr, TLSConfig: cfg.TLS})
	if err := srv.AddListener(ln); err != nil {
		return nil, fmt.Errorf("broker: listen on %s: %w", cfg.Addr, err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("broker: serve: %w", err)
	}
	return &Broker{srv: srv, ln: ln}, nil
}

// Addr is the address the broker listens on.
func (b *Broker) Addr() string { return b.ln.Address() }

// Close stops the broker and disconnects its clients.
func (b *Broker) Close() error { return b.srv.Close() }

// authHook authenticates clients and applies the ACL.
type authHook struct {
	mqtt.HookBase
	cfg Config
}

func (h *authHook) ID() string { return "safehub-auth" }

func (h *authHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

// OnConnectAuthenticate sets the client's identity into its user name: the
// certificate CN with TLS; the user name given (a site id, or the center
// with its password) without.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	log := h.cfg.Log.With("client", cl.ID, "remote", cl.Net.Remote)
	if h.cfg.TLS != nil {
		tc, ok := cl.Net.Conn.(*tls.Conn)
		if !ok {
			log.Warn("mqtt connection refused: not tls")
			return false
		}
		st := tc.ConnectionState()
		if len(st.VerifiedChains) == 0 || len(st.PeerCertificates) == 0 {
			log.Warn("mqtt connection refused: no verified client certificate")
			return false
		}
		cn := st.PeerCertificates[0].Subject.CommonName
		if cn != CenterUser && protocol.ValidSite(cn) != nil {
			log.Warn("mqtt connection refused: certificate cn is neither the center nor a site id", "cn", cn)
			return false
		}
		cl.Properties.Username = []byte(cn)
		return true
	}
	user := string(cl.Properties.Username)
	if user == CenterUser {
		ok := subtle.ConstantTimeCompare(pk.Connect.Password, []byte(h.cfg.CenterPassword)) == 1
		if !ok {
			log.Warn("mqtt connection refused: wrong center password")
		}
		return ok
	}
	if err := protocol.ValidSite(user); err != nil {
		log.Warn("mqtt connection refused: user name is not a site id", "err", err)
		return false
	}
	return true
}

func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	ok := h.cfg.ACL.Allowed(string(cl.Properties.Username), cl.ID, topic, write)
	if !ok && !bytes.HasPrefix([]byte(topic), []byte("$SYS")) {
		h.cfg.Log.Warn("mqtt access denied", "user", string(cl.Properties.Username), "topic", topic, "write", write)
	}
	return ok
}
