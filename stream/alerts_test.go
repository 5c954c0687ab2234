package stream

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

func TestAlert(t *testing.T) {
	lo, hi := 4000.0, 9000.0
	forest := Prediction{V: SchemaVersion, ID: "a", Window: 600, NHat: 6000, N: 100, Source: SourceForest, ModelVersion: 2, Lo: &lo, Hi: &hi}
	hawkes := Prediction{V: SchemaVersion, ID: "b", Window: 3600, NHat: 7000, N: 50, Source: SourceHawkes}
	small := forest
	small.NHat = 4999
	tests := []struct {
		name     string
		o        AlertsOptions
		p        Prediction
		want     bool
		wantText string
	}{
		{"forest", AlertsOptions{}, forest, true, "ALERT id=a window=600s nhat=6000 lo=4000 hi=9000 n=100 model_version=2 source=forest\n"},
		{"hawkes", AlertsOptions{}, hawkes, true, "ALERT id=b window=3600s nhat=7000 n=50 model_version=0 source=hawkes\n"},
		{"below threshold", AlertsOptions{}, small, false, ""},
		{"learned only, forest", AlertsOptions{LearnedOnly: true}, forest, true, "ALERT id=a window=600s nhat=6000 lo=4000 hi=9000 n=100 model_version=2 source=forest\n"},
		{"learned only, hawkes", AlertsOptions{LearnedOnly: true}, hawkes, false, ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		tt.o.Out = &out
		a, err := NewAlerter(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), tt.o)
		if err != nil {
			t.Fatal(err)
		}
		al, ok := a.alert(&tt.p)
		if ok != tt.want {
			t.Errorf("%s: alert %v, want %v", tt.name, ok, tt.want)
			continue
		}
		if !ok {
			continue
		}
		if al.ID != tt.p.ID || al.NHat != tt.p.NHat || al.Lo != tt.p.Lo || al.Hi != tt.p.Hi || al.Threshold != DefaultThreshold {
			t.Errorf("%s: alert %+v from %+v", tt.name, al, tt.p)
		}
		if err := a.print(&al); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.wantText {
			t.Errorf("%s: printed %q, want %q", tt.name, out.String(), tt.wantText)
		}
	}
}

// Hostile: a cascade id with a terminal escape, a quote, spaces or fake fields on an alert's text line -> quoted as strconv.Quote does: the line stays one line of printable text
func TestHostileEscapeInAlertTextLine(t *testing.T) {
	tests := []struct{ id, want string }{
		{"RT5", "ALERT id=RT5 window=600s"},
		{"a=b", "ALERT id=a=b window=600s"},
		{"évé", "ALERT id=évé window=600s"},
		{"\x1b[2J\x1b[31mRT5", `ALERT id="\x1b[2J\x1b[31mRT5" window=600s`},
		{"x window=1s nhat=99999", `ALERT id="x window=1s nhat=99999" window=600s`},
		{`q"uote`, `ALERT id="q\"uote" window=600s`},
		{"bidi\u202eexe.txt", `ALERT id="bidi\u202eexe.txt" window=600s`},
		{"tab\there", `ALERT id="tab\there" window=600s`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		a, err := NewAlerter(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), AlertsOptions{Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		al, _ := a.alert(&Prediction{V: SchemaVersion, ID: tt.id, Window: 600, NHat: 6000, N: 1, Source: SourceHawkes})
		if err := a.print(&al); err != nil {
			t.Fatal(err)
		}
		line := out.String()
		if !strings.HasPrefix(line, tt.want+" ") || strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Errorf("id %q: printed %q, want it to start with %q", tt.id, line, tt.want)
		}
		for _, r := range strings.TrimSuffix(line, "\n") {
			if !unicode.IsPrint(r) {
				t.Errorf("id %q: printed %q holds %U", tt.id, line, r)
			}
		}
	}
}

// FuzzAlertTextLine checks that any id a prediction may carry gives one
// alert line of printable characters whose id field reads back as the id.
func FuzzAlertTextLine(f *testing.F) {
	f.Add("RT5")
	f.Add("\x1b]0;owned\x07")
	f.Add("a b=c")
	f.Fuzz(func(t *testing.T, id string) {
		if checkID(id) != nil {
			return
		}
		var out bytes.Buffer
		a, err := NewAlerter(Client{Brokers: []string{"127.0.0.1:1"}}, DefaultTopics(), AlertsOptions{Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		al, _ := a.alert(&Prediction{V: SchemaVersion, ID: id, Window: 600, NHat: 6000, N: 1, Source: SourceHawkes})
		if err := a.print(&al); err != nil {
			t.Fatal(err)
		}
		line, ok := strings.CutSuffix(out.String(), "\n")
		if !ok || strings.ContainsAny(line, "\n\r") {
			t.Fatalf("id %q: printed %q, not one line", id, out.String())
		}
		for _, r := range line {
			if !unicode.IsPrint(r) {
				t.Fatalf("id %q: printed %q holds %U", id, line, r)
			}
		}
		field, _, _ := strings.Cut(strings.TrimPrefix(line, "ALERT id="), " window=600s nhat=")
		if strings.HasPrefix(field, `"`) {
			if field, err = strconv.Unquote(field); err != nil {
				t.Fatalf("id %q: printed %q: %v", id, line, err)
			}
		}
		if field != id {
			t.Fatalf("id %q: printed %q, whose id field reads %q", id, line, field)
		}
	})
}

// TestAlertOnTopic checks the read-back the alerts role makes before it
// sends again an alert whose send failed: it finds the alert of the same
// cascade and window, and no other.
func TestAlertOnTopic(t *testing.T) {
	b, err := StartBroker(BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := Client{Brokers: b.Addrs()}
	topics := testTopics()
	if err := EnsureTopics(ctx, client, topics, nil); err != nil {
		t.Fatal(err)
	}
	out, err := newOutput(ctx, client, "alerts", topics.DeadLetters, orDiscard(nil), orMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer out.close()
	for _, al := range []Alert{{V: SchemaVersion, ID: "a", Window: 600, NHat: 20}, {V: SchemaVersion, ID: "b", Window: 3600, NHat: 30}} {
		if err := out.send(jsonMessage(topics.Alerts, al.ID, al)); err != nil {
			t.Fatal(err)
		}
	}
	cl := streamtest.Client(t, b.Addrs())
	for _, tc := range []struct {
		id     string
		window float64
		want   bool
	}{{"a", 600, true}, {"b", 3600, true}, {"a", 3600, false}, {"b", 600, false}, {"c", 600, false}} {
		got, err := alertOnTopic(ctx, cl, topics.Alerts, &Alert{ID: tc.id, Window: tc.window})
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("alertOnTopic(%s, %v) = %v, want %v", tc.id, tc.window, got, tc.want)
		}
	}
}
