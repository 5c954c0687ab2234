package stream

import (
	"bytes"
	"testing"
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
