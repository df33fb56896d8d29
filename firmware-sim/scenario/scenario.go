package scenario

import (
	"sort"
	"time"
)

// Scenario is one parsed scenario file.
type Scenario struct {
	Name        string
	Description string
	// Start is the local wall-clock time of day the scenario begins at, in
	// the home's timezone, as an offset from midnight (e.g. 23h30m); Day
	// is the date, zero for "any day" (the runner picks one).
	Start time.Duration
	Day   time.Time
	// Duration is how long the scenario runs, from Start.
	Duration time.Duration
	// Steps are in file order; Ops gives the timeline Play walks.
	Steps  []Step
	Expect Expect
}

// Step is one thing that happens at an offset from the start.
type Step struct {
	Line   int
	At     time.Duration
	Do     Action
	Device string
	// Value is the level for gas (ppm) and temperature (°C) steps.
	Value float64
	// Over ramps Value from the previous level over this long (gas,
	// temperature); zero means at once.
	Over time.Duration
	// For is how long a network cut or broker outage lasts, or how long a
	// button, motion or flicker stays active.
	For time.Duration
	// Fault is the I²C fault mode for i2c_fail (e.g. "nack").
	Fault string
}

// Action names what a step does.
type Action string

// The actions. docs/scenarios.md describes each.
const (
	Press         Action = "press"          // call button or pendant pressed (for: how long held)
	Flicker       Action = "flicker"        // a contact blips for less than its debounce
	DoorOpen      Action = "door_open"      // reed contact opens
	DoorClose     Action = "door_close"     // and closes
	Motion        Action = "motion"         // PIR sees movement (for: how long)
	Smoke         Action = "smoke"          // detector relay closes
	SmokeClear    Action = "smoke_clear"    // and opens
	MainsLost     Action = "mains_lost"     // UPS reports power lost
	MainsRestored Action = "mains_restored" // and back
	Gas           Action = "gas"            // gas level to Value ppm (over: ramp)
	Temperature   Action = "temperature"    // room temperature to Value °C (over: ramp)
	Fall          Action = "fall"           // radar reports a fall
	GetUp         Action = "get_up"         // radar reports the person up again
	RadarSilent   Action = "radar_silent"   // radar stops sending (hung, unpowered)
	RadarResume   Action = "radar_resume"   // and starts again
	LowBattery    Action = "low_battery"    // pendant reports a low battery
	Tamper        Action = "tamper"         // a wireless device reports its case opened
	I2CFail       Action = "i2c_fail"       // the sensor's I²C chip fails (fault: nack, ...)
	I2CRepair     Action = "i2c_repair"     // and works again
	NetworkCut    Action = "network_cut"    // the home's line to the center drops (for)
	BrokerRestart Action = "broker_restart" // the broker drops every connection and is back after for
)

// actionSpec says which fields an action needs and allows.
type actionSpec struct {
	device   bool          // needs a device
	value    string        // name of the value field ("ppm", "celsius"), "" for none
	over     bool          // allows over
	forField bool          // allows for
	fault    bool          // needs fault
	defFor   time.Duration // default for when allowed
}

var actions = map[Action]actionSpec{
	Press:         {device: true, forField: true, defFor: 300 * time.Millisecond},
	Flicker:       {device: true, forField: true, defFor: 5 * time.Millisecond},
	DoorOpen:      {device: true},
	DoorClose:     {device: true},
	Motion:        {device: true, forField: true, defFor: 2 * time.Second},
	Smoke:         {device: true},
	SmokeClear:    {device: true},
	MainsLost:     {device: true},
	MainsRestored: {device: true},
	Gas:           {device: true, value: "ppm", over: true},
	Temperature:   {device: true, value: "celsius", over: true},
	Fall:          {device: true},
	GetUp:         {device: true},
	RadarSilent:   {device: true},
	RadarResume:   {device: true},
	LowBattery:    {device: true},
	Tamper:        {device: true},
	I2CFail:       {device: true, fault: true},
	I2CRepair:     {device: true},
	NetworkCut:    {forField: true, defFor: time.Minute},
	BrokerRestart: {forField: true, defFor: 5 * time.Second},
}

// Actions lists the known action names, sorted.
func Actions() []string {
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, string(a))
	}
	sort.Strings(out)
	return out
}

// Phase says whether an Op starts a step or ends it (the release of a
// press, the end of a network cut).
type Phase int

// The phases.
const (
	Begin Phase = iota
	End
)

// Op is one point on the timeline.
type Op struct {
	At    time.Duration
	Phase Phase
	Step  Step
}

// Ops returns the timeline: each step's Begin, and an End after For for
// the steps that last, in time order (file order at equal times).
func (s *Scenario) Ops() []Op {
	var ops []Op
	for _, st := range s.Steps {
		ops = append(ops, Op{At: st.At, Phase: Begin, Step: st})
		if actions[st.Do].forField && st.For > 0 {
			ops = append(ops, Op{At: st.At + st.For, Phase: End, Step: st})
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].At < ops[j].At })
	return ops
}

// Expect is the declared outcome.
type Expect struct {
	// Alarms must each reach the center: Count times (default exactly 1).
	Alarms []Match
	// NoAlarms must not reach the center at all.
	NoAlarms []Match
	// Events (non-alarm kinds, e.g. sensor_fault) must reach the center at
	// least once, or exactly Count times when Count is set.
	Events []Match
	// NoEvents must not reach the center at all.
	NoEvents []Match
	// OtherAlarms allows alarms that no Alarms entry names; by default any
	// such alarm fails the scenario.
	OtherAlarms bool
}

// Match selects alarms or events; empty fields match anything.
type Match struct {
	Line       int
	Rule       string
	Sensor     string
	SensorKind string
	Severity   string
	// State is the alarm's last state as the box reported it: active,
	// cleared or cancelled (alarms only).
	State string
	// Repeats, when RepeatsSet, is how many alarm_repeated events the
	// center holds for the alarm: its trigger coming again while it was
	// still active (alarms only).
	Repeats    int
	RepeatsSet bool
	// Kind is the event kind (events only), e.g. sensor_fault.
	Kind  string
	Count int // 0: the default for its list
}
