package smsfallback

import (
	"fmt"
	"regexp"
	"time"

	"github.com/safehub-iot/safehub/gateway"
)

// Config is the SMS fallback's configuration.
type Config struct {
	// Port is the modem's serial device, e.g. /dev/ttyUSB2.
	Port string `yaml:"port"`
	// Baud is the line speed (SIM800: 115200, or auto-baud).
	Baud int `yaml:"baud"`
	// Numbers receive the SMS, in international form (+4917...).
	Numbers []string `yaml:"numbers"`
	// Site names the home in the message, e.g. "Rosenweg 5, flat 3".
	Site string `yaml:"site"`
	// LinkDownAfter is how long the cloud link must have been down before
	// unacknowledged alarms go out by SMS.
	LinkDownAfter time.Duration `yaml:"link_down_after"`
	// AckWithin is how long an alarm may wait for the center's
	// acknowledgement while the link is up before it goes out by SMS:
	// the broker has it but nobody at the center is answering.
	AckWithin time.Duration `yaml:"ack_within"`
	// Language is the text's language: English (default) or Chinese.
	Language string `yaml:"language"`
	// CheckEvery is how often link and alarms are looked at.
	CheckEvery time.Duration `yaml:"check_every"`
	// HealthEvery is how often SIM, registration and signal are checked.
	HealthEvery time.Duration `yaml:"health_every"`
	// MinSignal is the lowest acceptable rssi (0–31, per AT+CSQ).
	MinSignal int `yaml:"min_signal"`
}

// Default returns the settings a config may leave out.
func Default() Config {
	return Config{Baud: 115200, LinkDownAfter: 2 * time.Minute, AckWithin: 5 * time.Minute,
		Language: English, CheckEvery: 10 * time.Second,
		HealthEvery: 5 * time.Minute, MinSignal: 5}
}

var phone = regexp.MustCompile(`^\+?[0-9]{3,20}$`)

// Validate checks the settings without touching the modem.
func (c Config) Validate() error {
	fe := func(field, format string, args ...any) error {
		return &gateway.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.Port == "":
		return fe("port", "required: the modem's serial device, e.g. /dev/ttyUSB2")
	case c.Baud <= 0 || c.Baud > 921600:
		return fe("baud", "%d is out of range (SIM800 modems use 115200)", c.Baud)
	case len(c.Numbers) == 0:
		return fe("numbers", "required: at least one phone number to text")
	case c.Site == "":
		return fe("site", "required: the name of the home, sent in every SMS")
	case c.LinkDownAfter < 10*time.Second:
		return fe("link_down_after", "%v is too short: want at least 10s", c.LinkDownAfter)
	case c.AckWithin < 30*time.Second:
		return fe("ack_within", "%v is too short: want at least 30s, time for an operator to answer", c.AckWithin)
	case c.Language != English && c.Language != Chinese:
		return fe("language", "%q: want %s or %s", c.Language, English, Chinese)
	case c.CheckEvery < time.Second || c.CheckEvery > c.LinkDownAfter:
		return fe("check_every", "%v is out of range: want 1s up to link_down_after (%v)", c.CheckEvery, c.LinkDownAfter)
	case c.HealthEvery < 10*time.Second:
		return fe("health_every", "%v is too short: want at least 10s", c.HealthEvery)
	case c.MinSignal < 0 || c.MinSignal > 31:
		return fe("min_signal", "%d is out of range: want 0 to 31", c.MinSignal)
	}
	seen := map[string]bool{}
	for i, n := range c.Numbers {
		if !phone.MatchString(n) {
			return fe(fmt.Sprintf("numbers[%d]", i), "%q is not a phone number (want digits, optionally after +)", n)
		}
		if seen[n] {
			return fe(fmt.Sprintf("numbers[%d]", i), "%q is listed twice", n)
		}
		seen[n] = true
	}
	return nil
}
