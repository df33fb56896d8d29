package center

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/safehub-iot/safehub/center/console"
)

// consoleState logs in (creating an operator) and fetches /api/state.
func consoleState(tb testing.TB, c *Center) console.State {
	tb.Helper()
	require.NoError(tb, c.DB().SetOperator(tb.Context(), "tester", "tester-password"))
	jar, err := cookiejar.New(nil)
	require.NoError(tb, err)
	cl := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"name": "tester", "password": "tester-password"})
	resp, err := cl.Post(c.HTTPURL()+"/api/login", "application/json", bytes.NewReader(body))
	require.NoError(tb, err)
	resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode, "login")
	resp, err = cl.Get(c.HTTPURL() + "/api/state")
	require.NoError(tb, err)
	defer resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode, "state")
	var st console.State
	require.NoError(tb, json.NewDecoder(resp.Body).Decode(&st))
	return st
}
