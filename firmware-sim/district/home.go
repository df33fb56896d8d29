package district

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/i2c"

	"github.com/safehub-iot/safehub/cloudlink"
	_ "github.com/safehub-iot/safehub/drivers/gpio" // the call button's driver
	"github.com/safehub-iot/safehub/event"
	"github.com/safehub-iot/safehub/firmware-sim/gpiosim"
	"github.com/safehub-iot/safehub/gateway"
	"github.com/safehub-iot/safehub/gateway/store"
	"github.com/safehub-iot/safehub/rules/rulesfile"
)

// ButtonPin is the call button's pin in every district home.
const ButtonPin = "GPIO17"

// homeRules is each home's rules file: the button raises a critical alarm
// that clears on release, so a home can raise again in a long storm.
const homeRules = `
rules:
  - id: call-button
    kind: digital
    sensors: [button]
    severity: critical
    message: emergency button pressed
    until: release
`

// Home is one virtual home.
type Home struct {
	Site  string
	Pins  *gpiosim.Bank
	Store *store.Store
	Pipe  *gateway.Pipeline
	Link  *cloudlink.Link

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// pinOptions are the button's driver options, decoded like a config
// file's (unknown fields rejected).
type pinOptions map[string]any

func (o pinOptions) Decode(v any) error {
	data, err := yaml.Marshal(map[string]any(o))
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func startHome(ctx context.Context, cfg Config, i int) (_ *Home, err error) {
	site := fmt.Sprintf("%s%05d", cfg.SitePrefix, i)
	h := &Home{Site: site, Pins: gpiosim.NewBank(cfg.Clock)}
	dbPath := ":memory:"
	if cfg.StoreDir != "" {
		dbPath = filepath.Join(cfg.StoreDir, site+".db")
	}
	if h.Store, err = store.Open(ctx, dbPath); err != nil {
		return nil, fmt.Errorf("home %s: %w", site, err)
	}
	defer func() {
		if err != nil {
			h.Store.Close()
		}
	}()
	eng, err := rulesfile.Parse(strings.NewReader(homeRules), rulesfile.Env{Sensors: map[string]string{"button": string(event.CallButton)}, Location: time.UTC})
	if err != nil {
		return nil, fmt.Errorf("home %s: rules: %w", site, err)
	}
	spec := gateway.SensorSpec{ID: "button", Kind: event.CallButton, Driver: "gpio", Room: "bedroom", Options: pinOptions{"pin": ButtonPin}}
	log := cfg.Log.With("site", site)
	h.Pipe = gateway.NewPipeline(gateway.PipelineConfig{Site: site, Store: h.Store, Evaluator: eng, Sensors: []gateway.SensorSpec{spec}, Clock: cfg.Clock, Log: log})
	op, err := gateway.LookupDriver("gpio").Configure(spec)
	if err != nil {
		return nil, fmt.Errorf("home %s: button: %w", site, err)
	}
	h.Pins.Set(ButtonPin, gpio.High) // not pressed
	sensor, err := op.Open(gateway.Env{HW: pinsOnly{h.Pins}, Clock: cfg.Clock, Log: log})
	if err != nil {
		return nil, fmt.Errorf("home %s: button: %w", site, err)
	}
	lc := cloudlink.Default()
	lc.Site, lc.Brokers, lc.Username = site, []string{cfg.BrokerURL}, site
	lc.Heartbeat = cfg.Heartbeat
	wake, _ := h.Pipe.Subscribe(64)
	h.Link, err = cloudlink.New(lc, cloudlink.Deps{Store: h.Store, Wake: wake, Acker: h.Pipe, Health: h.Pipe, Clock: cfg.Clock, Log: log})
	if err != nil {
		return nil, fmt.Errorf("home %s: %w", site, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	pipeCtx, stopPipe := context.WithCancel(context.Background())
	h.wg.Add(3)
	go func() { defer h.wg.Done(); defer stopPipe(); _ = sensor.Run(runCtx, h.Pipe.Emitter("button")) }()
	go func() { defer h.wg.Done(); _ = h.Pipe.Run(pipeCtx) }()
	go func() { defer h.wg.Done(); _ = h.Link.Run(runCtx) }()
	return h, nil
}

// Press pushes the call button (the line goes low) and returns the time
// of the edge.
func (h *Home) Press(clock gateway.Clock) time.Time {
	t := clock.Now()
	h.Pins.Set(ButtonPin, gpio.Low)
	return t
}

// Release lets the button go.
func (h *Home) Release() { h.Pins.Set(ButtonPin, gpio.High) }

func (h *Home) close() error {
	h.cancel()
	h.wg.Wait()
	return h.Store.Close()
}

// pinsOnly is the hardware of a district home: GPIO pins and nothing else.
type pinsOnly struct{ pins *gpiosim.Bank }

func (p pinsOnly) GPIO(name string) (gpio.PinIO, error) { return p.pins.Open(name) }

func (pinsOnly) I2C(name string) (i2c.Bus, error) {
	return nil, fmt.Errorf("district home: no I2C bus %q", name)
}

func (pinsOnly) Serial(path string, _ int) (io.ReadWriteCloser, error) {
	return nil, fmt.Errorf("district home: no serial port %s", path)
}
