package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

var (
	siteIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	sensorIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
)

// OutputKinds are the output kinds the box knows.
var OutputKinds = []string{"siren", "led_alarm_sent", "led_help_coming"}

// I2CAddresser is an optional ability of a driver's Opener: the bus and
// address it will use, so two devices on one address are a config error.
type I2CAddresser interface {
	I2CAddress() (bus string, addr uint16)
}

// GPIOPinner is an optional ability of a driver's Opener or OutputOpener:
// the GPIO line it uses, as GPIO<n>, so two devices on one pin (or the
// siren on a sensor's pin) are a config error.
type GPIOPinner interface {
	GPIOPin() string
}

type validator struct {
	f    *File
	errs Errors
	pins map[string]string // GPIO<n> -> "sensor x" / "output y"
}

// claimPin records that who uses op's GPIO line, or reports the clash.
func (v *validator) claimPin(base, who string, opts Options, op any) {
	p, ok := op.(GPIOPinner)
	if !ok || p.GPIOPin() == "" {
		return
	}
	if v.pins == nil {
		v.pins = map[string]string{}
	}
	line := p.GPIOPin()
	if other, dup := v.pins[line]; dup {
		v.errs = append(v.errs, &Error{Field: base + ".options.pin", Line: opts.Line("pin"), Msg: fmt.Sprintf("%s is already used by %s", line, other)})
		return
	}
	v.pins[line] = who
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, &Error{Field: path, Line: v.f.lines[path], Msg: fmt.Sprintf(format, args...)})
}

// lineOf finds the line of path or, failing that, of its closest parent.
func (v *validator) lineOf(path string) int {
	for p := path; p != ""; {
		if n, ok := v.f.lines[p]; ok {
			return n
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func (v *validator) required(path, value, what string) bool {
	if strings.TrimSpace(value) == "" {
		v.errs = append(v.errs, &Error{Field: path, Line: v.lineOf(path), Msg: "required: " + what})
		return false
	}
	return true
}

// Validate checks what Parse cannot: required fields, ids, ranges, driver
// options (each driver validates its own, without touching hardware),
// duplicate ids and I2C address clashes. It returns Errors with every
// mistake, or nil.
func (f *File) Validate() error {
	if f.lines == nil {
		f.lines = lineIndex{}
	}
	v := &validator{f: f}
	if v.required("site.id", f.Site.ID, "the site id used in MQTT topics, e.g. flat-12b") && !siteIDPattern.MatchString(f.Site.ID) {
		v.add("site.id", "%q: expected lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters", f.Site.ID)
	}
	if v.required("site.timezone", f.Site.Timezone, "an IANA timezone such as Europe/Berlin") {
		if _, err := time.LoadLocation(f.Site.Timezone); err != nil {
			v.add("site.timezone", "%q is not an IANA timezone (e.g. Europe/Berlin, Asia/Shanghai)", f.Site.Timezone)
		}
	}
	if f.Hardware != "periph" && f.Hardware != "sim" {
		v.add("hardware", "%q: expected periph (the real pins and buses) or sim (firmware-sim devices)", f.Hardware)
	}
	v.oneOf("log.level", f.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", f.Log.Format, "text", "json")
	v.required("store.path", f.Store.Path, "the SQLite file, e.g. /var/lib/safehub/safehub.db")
	v.intRange("store.retention_days", f.Store.RetentionDays, 1, 3650)
	v.intRange("store.max_events", f.Store.MaxEvents, 1000, 10_000_000)
	v.required("api.socket", f.API.Socket, "the unix socket path, e.g. /run/safehub/safehubd.sock")
	if f.Rules.File != "" {
		v.readable("rules.file", f.Rules.File)
	}
	v.cloud()
	v.fallback()
	v.sensors()
	v.outputs()
	v.durRange("watchdog.stall_after", f.Watchdog.StallAfter, 2*time.Second, 10*time.Minute)
	return orNil(v.errs)
}

func (v *validator) oneOf(path, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(path, "%q: expected one of %s", value, strings.Join(allowed, ", "))
}

func (v *validator) intRange(path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(path, "%d is out of range: expected %d to %d", n, lo, hi)
	}
}

func (v *validator) durRange(path string, d Duration, lo, hi time.Duration) {
	if d.D() < lo || d.D() > hi {
		v.add(path, "%s is out of range: expected %s to %s", d.D(), lo, hi)
	}
}

func (v *validator) readable(path, file string) {
	if _, err := os.Stat(file); err != nil {
		v.add(path, "cannot read %s: %v", file, errors.Unwrap(err))
	}
}

func (v *validator) cloud() {
	c := v.f.Cloud
	for i, b := range c.Brokers {
		p := fmt.Sprintf("cloud.brokers[%d]", i)
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			v.add(p, "%q: expected a broker URL such as ssl://center.example.org:8883", b)
			continue
		}
		switch u.Scheme {
		case "tcp", "mqtt", "ssl", "tls", "mqtts", "ws", "wss":
		default:
			v.add(p, "%q: unsupported scheme %q (expected tcp, ssl, mqtts, ws or wss)", b, u.Scheme)
		}
	}
	if len(c.Brokers) == 0 {
		return // local only: alarms still sound and are stored
	}
	v.durRange("cloud.keepalive", c.Keepalive, 5*time.Second, 5*time.Minute)
	v.durRange("cloud.heartbeat", c.Heartbeat, 5*time.Second, time.Hour)
	v.durRange("cloud.command_max_age", c.CommandMaxAge, 10*time.Second, 24*time.Hour)
	v.intRange("cloud.max_inflight", c.MaxInflight, 1, 1000)
	v.intRange("cloud.outbox_max", c.OutboxMax, 100, 10_000_000)
	t := c.TLS
	for _, fp := range []struct{ path, file string }{{"cloud.tls.ca", t.CA}, {"cloud.tls.cert", t.Cert}, {"cloud.tls.key", t.Key}, {"cloud.password_file", c.PasswordFile}} {
		if fp.file != "" {
			v.readable(fp.path, fp.file)
		}
	}
	if (t.Cert == "") != (t.Key == "") {
		v.add("cloud.tls", "cert and key go together: set both or neither")
	}
}

func (v *validator) fallback() {
	fb := v.f.Fallback
	if fb == nil {
		return
	}
	v.required("fallback.port", fb.Port, "the modem's serial port, e.g. /dev/ttyUSB1")
	if len(fb.Numbers) == 0 {
		v.add("fallback.numbers", "required: at least one phone number in international form, e.g. +4930123456")
	}
	if fb.AckWithin != 0 {
		v.durRange("fallback.ack_within", fb.AckWithin, 30*time.Second, 24*time.Hour)
	}
	if fb.Language != "" {
		v.oneOf("fallback.language", fb.Language, "en", "zh-CN")
	}
	for i, n := range fb.Numbers {
		if !regexp.MustCompile(`^\+[0-9]{6,15}$`).MatchString(n) {
			v.add(fmt.Sprintf("fallback.numbers[%d]", i), "%q: expected an international number such as +4930123456", n)
		}
	}
}
