package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/cmd/safehub-center/broker/pkitest"
	"github.com/safehub-iot/safehub/firmware-sim/serialsim"
	"github.com/safehub-iot/safehub/gateway/api"
)

// TestProvisionFromEmptyToRunning follows docs/install.md, "Provisioning a
// box with safehubctl": a template with the home's sensors, provision
// --check against the center's TLS broker, start safehubd, status.
func TestProvisionFromEmptyToRunning(t *testing.T) {
	ca := pkitest.NewCA(t, "center device CA")
	url := centerBroker(t, ca)
	caFile, certFile, keyFile := ca.WriteFiles(t, t.TempDir(), "flat-12b")
	br, err := serialsim.NewRFBridge()
	require.NoError(t, err)
	t.Cleanup(func() { br.Close() })
	dir, err := os.MkdirTemp("", "shc")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	template := filepath.Join(dir, "example.yaml")
	writeTemplate(t, "testdata/home.yaml", template, map[string]string{"Dir": dir, "Bridge": br.Path()})
	b := &box{dir: dir, config: filepath.Join(dir, "safehub.yaml"), socket: filepath.Join(dir, "api.sock"), bridge: br}

	// Step 2: the template's sensors are valid.
	code, out, errOut := runCLI(t, "config", "validate", "--file", template)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "config is valid")

	// Step 3: provision, checking the credentials first.
	code, out, errOut = runCLI(t, "provision", "--config", b.config, "--template", template,
		"--site", "flat-12b", "--broker", url, "--ca", caFile, "--cert", certFile, "--key", keyFile, "--check")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "ok     ACL publish")
	require.Contains(t, out, "saved "+b.config)

	// Step 4: start the daemon; status shows the provisioned box.
	b.start(t)
	code, out, errOut = runCLI(t, "--socket", b.socket, "status", "--json")
	require.Equal(t, exitOK, code, errOut)
	var st api.Status
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	require.Equal(t, "flat-12b", st.Site)
	require.Equal(t, []string{url}, st.Link.Brokers)
	require.Len(t, st.Sensors, 2)
}
