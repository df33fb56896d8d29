// Package districttest runs the district's real broker setup for tests:
// /usr/sbin/mosquitto with configs/center/mosquitto.conf and
// configs/center/acl, changed only to listen on a free loopback port and to
// read its certificates (made by pkitest) from a temporary directory.
package districttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safehub-iot/safehub/center/broker/pkitest"
	"github.com/safehub-iot/safehub/cloudlink/brokertest"
)

// ConfigDir is configs/center in this checkout.
func ConfigDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "configs", "center")
}

// StartMosquitto starts the district broker with a certificate for it and
// the device CA ca, and returns its ssl:// URL. It is killed in tb.Cleanup,
// and its output logged if the test failed.
func StartMosquitto(tb testing.TB, ca *pkitest.CA) string {
	tb.Helper()
	dir := tb.TempDir()
	caFile, _, _ := ca.WriteFiles(tb, dir, "broker") // broker.crt, broker.key as the config names them
	must(tb, os.Rename(caFile, filepath.Join(dir, "device-ca.crt")))
	acl, err := os.ReadFile(filepath.Join(ConfigDir(), "acl"))
	must(tb, err)
	must(tb, os.WriteFile(filepath.Join(dir, "acl"), acl, 0o600))
	conf, err := os.ReadFile(filepath.Join(ConfigDir(), "mosquitto.conf"))
	must(tb, err)
	port := brokertest.FreePort(tb)
	s := strings.ReplaceAll(string(conf), "/etc/mosquitto/safehub/", dir+"/")
	s = strings.ReplaceAll(s, "persistence_location /var/lib/mosquitto/", "persistence_location "+dir+"/")
	s = strings.Replace(s, "listener 8883", fmt.Sprintf("listener %d 127.0.0.1", port), 1)
	if !strings.Contains(s, fmt.Sprintf("listener %d 127.0.0.1", port)) || strings.Contains(s, "/etc/mosquitto/safehub/") {
		tb.Fatalf("districttest: configs/center/mosquitto.conf no longer has the lines this harness rewrites")
	}
	u, err := user.Current()
	must(tb, err)
	s += "\n# test only\nuser " + u.Username + "\nlog_dest stderr\nlog_type error\nlog_type warning\n"
	confPath := filepath.Join(dir, "mosquitto.conf")
	must(tb, os.WriteFile(confPath, []byte(s), 0o600))
	cmd := exec.Command("/usr/sbin/mosquitto", "-c", confPath)
	out := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	must(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = cmd.Process.Kill() // it may have exited already
		_ = cmd.Wait()         // the kill is the expected end
		if tb.Failed() {
			tb.Logf("mosquitto output:\n%s", out.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("districttest: mosquitto did not start listening on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond) // polling for the process to bind, not waiting for a timer
	}
	return "ssl://" + addr
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("districttest: %v", err)
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
