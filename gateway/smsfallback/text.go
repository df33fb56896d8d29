package smsfallback

import (
	"fmt"
	"strings"
	"time"

	"github.com/safehub-iot/safehub/event"
)

// The languages of the text the family reads (Config.Language).
const (
	English = "en"
	Chinese = "zh-CN"
)

// words are one language's parts of the text.
type words struct {
	alarm, test, seq string
	escalated        string // with the escalation's number
	sep, end         string
	kinds            map[string]string // sensor kind -> its name
}

var languages = map[string]words{
	English: {alarm: "SafeHub ALARM ", test: "(TEST) ", seq: "seq %d", escalated: ", not acknowledged yet (reminder %d)",
		sep: ": ", end: ". "},
	Chinese: {alarm: "SafeHub 报警 ", test: "（测试）", seq: "序号 %d", escalated: "，仍未确认（第 %d 次提醒）",
		sep: "：", end: "。",
		kinds: map[string]string{"call_button": "呼叫按钮", "pendant": "紧急挂件", "door": "门", "smoke": "烟雾",
			"motion": "移动", "mains_power": "市电断电", "gas": "燃气", "climate": "室温", "fall": "跌倒", "alarm": "报警"}},
}

// Text is the SMS for an alarm in lang (English or Chinese; anything else
// is English): site, what, where, when and sequence number, and after the
// alarm's escalation'th escalation (0: none) that it is still not
// acknowledged, e.g. "SafeHub ALARM Rosenweg 5: fall - radar1, bedroom -
// 2026-11-23 10:35:12 CET - seq 42. Fall detected".
func Text(lang, site string, ev event.Event, escalation int, loc *time.Location) string {
	w, ok := languages[lang]
	if !ok {
		w = languages[English]
	}
	if loc == nil {
		loc = time.Local
	}
	what := ev.SensorKind
	if what == "" {
		what = ev.Rule
	}
	if what == "" {
		what = "alarm"
	}
	if name, ok := w.kinds[what]; ok {
		what = name
	}
	where := ev.Sensor
	if ev.Room != "" {
		where += ", " + ev.Room
	}
	var b strings.Builder
	b.WriteString(w.alarm)
	if ev.Test {
		b.WriteString(w.test)
	}
	fmt.Fprintf(&b, "%s%s%s - %s - %s - "+w.seq, site, w.sep, what, where, ev.Time.In(loc).Format("2006-01-02 15:04:05 MST"), ev.Seq)
	if escalation > 0 {
		fmt.Fprintf(&b, w.escalated, escalation)
	}
	if ev.Message != "" {
		b.WriteString(w.end + ev.Message)
	}
	return b.String()
}
