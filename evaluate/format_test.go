package evaluate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

func TestWriteGolden(t *testing.T) {
	r := syntheticReport(t)
	for _, tt := range []struct {
		f    Format
		file string
	}{
		{Table, "report.txt"},
		{CSV, "report.csv"},
		{JSON, "report.json"},
	} {
		t.Run(string(tt.f), func(t *testing.T) {
			var b bytes.Buffer
			if err := r.Write(&b, tt.f); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.file), b.Bytes())
		})
	}
}

func TestWriteJSONShape(t *testing.T) {
	r := syntheticReport(t)
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Window   float64 `json:"window"`
		Cascades int     `json:"cascades"`
		Methods  map[string]struct {
			MeanARE   *float64 `json:"mean_are"`
			MedianARE *float64 `json:"median_are"`
			Deciles   []struct {
				Lo, Hi    *float64
				Count     int
				MeanARE   *float64 `json:"mean_are"`
				MedianARE *float64 `json:"median_are"`
			} `json:"deciles"`
		} `json:"methods"`
	}
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	if got.Window != 3600 || got.Cascades != 60 || len(got.Methods) != 4 {
		t.Errorf("window %v, cascades %d, %d methods; want 3600, 60, 4", got.Window, got.Cascades, len(got.Methods))
	}
	for _, m := range r.Methods {
		jm, ok := got.Methods[m.Name]
		if !ok {
			t.Errorf("method %q missing", m.Name)
			continue
		}
		if jm.MeanARE == nil || *jm.MeanARE != m.Overall.MeanARE || jm.MedianARE == nil || *jm.MedianARE != m.Overall.MedianARE {
			t.Errorf("method %q: overall errors differ from the report", m.Name)
		}
		if len(jm.Deciles) != NumDeciles {
			t.Errorf("method %q: %d deciles", m.Name, len(jm.Deciles))
			continue
		}
		for k, d := range jm.Deciles {
			if d.Lo == nil || d.Hi == nil || d.MeanARE == nil || d.MedianARE == nil ||
				*d.Lo != r.Deciles[k].Lo || *d.Hi != r.Deciles[k].Hi || d.Count != m.Deciles[k].Count {
				t.Errorf("method %q decile %d differs from the report", m.Name, k+1)
			}
		}
	}
	// Methods keep the report order.
	last := -1
	for _, m := range r.Methods {
		i := strings.Index(b.String(), `"`+m.Name+`": {`)
		if i <= last {
			t.Errorf("method %q out of order in the JSON", m.Name)
		}
		last = i
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "csv", "json"} {
		if f, err := ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml): no error")
	}
	var b bytes.Buffer
	if err := syntheticReport(t).Write(&b, "xml"); err == nil {
		t.Error("Write(xml): no error")
	}
}
