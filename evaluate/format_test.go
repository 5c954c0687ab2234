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

// intervalReport is syntheticReport with intervals [0.7, 1.4]·N_hat on the
// forest's predictions: the forest's factors 0.8 to 1.2 fall inside them,
// 0.6 and 1.5 do not.
func intervalReport(t testing.TB) *Report {
	t.Helper()
	r := syntheticReport(t)
	var ms []Method
	for _, m := range r.Methods {
		pred := make([]float64, len(r.Sizes))
		for i, N := range r.Sizes {
			pred[i] = N / (1 + m.ARE[i]) // any positive prediction will do
		}
		mm := Method{Name: m.Name, Pred: pred}
		if m.Name == "forest" {
			mm.Level = 0.8
			mm.Lo, mm.Hi = make([]float64, len(pred)), make([]float64, len(pred))
			for i, p := range pred {
				mm.Lo[i], mm.Hi[i] = 0.7*p, 1.4*p
			}
		}
		ms = append(ms, mm)
	}
	ir, err := NewReport(r.Window, r.Sizes, ms)
	if err != nil {
		t.Fatal(err)
	}
	return ir
}

func TestWriteIntervalsGolden(t *testing.T) {
	r := intervalReport(t)
	for _, tt := range []struct {
		f    Format
		file string
	}{
		{Table, "report-intervals.txt"},
		{CSV, "report-intervals.csv"},
		{JSON, "report-intervals.json"},
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

// TestWriteIntervalsOnlyAdd checks that intervals only add to the report:
// every line of the table and every JSON key of the report without them is
// still there with the same value, and the CSV rows start as before.
func TestWriteIntervalsOnlyAdd(t *testing.T) {
	plain := intervalReport(t)
	without := *plain
	without.Methods = nil
	for _, m := range plain.Methods {
		m.Interval = nil
		without.Methods = append(without.Methods, m)
	}
	write := func(r *Report, f Format) string {
		var b bytes.Buffer
		if err := r.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if a, b := write(&without, Table), write(plain, Table); !strings.HasPrefix(b, a) {
		t.Errorf("the table with intervals does not start with the table without them")
	}
	a := strings.Split(strings.TrimSpace(write(&without, CSV)), "\n")
	b := strings.Split(strings.TrimSpace(write(plain, CSV)), "\n")
	if len(a) != len(b) {
		t.Fatalf("CSV: %d lines without intervals, %d with", len(a), len(b))
	}
	for i := range a {
		if !strings.HasPrefix(b[i], a[i]+",") {
			t.Errorf("CSV line %d: %q does not extend %q", i+1, b[i], a[i])
		}
	}
	var ja, jb map[string]any
	if err := json.Unmarshal([]byte(write(&without, JSON)), &ja); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(write(plain, JSON)), &jb); err != nil {
		t.Fatal(err)
	}
	var contained func(path string, x, y any)
	contained = func(path string, x, y any) {
		switch x := x.(type) {
		case map[string]any:
			ym, ok := y.(map[string]any)
			if !ok {
				t.Errorf("%s: not an object with intervals", path)
				return
			}
			for k, v := range x {
				contained(path+"."+k, v, ym[k])
			}
		case []any:
			ys, ok := y.([]any)
			if !ok || len(ys) != len(x) {
				t.Errorf("%s: not the same array with intervals", path)
				return
			}
			for i := range x {
				contained(path, x[i], ys[i])
			}
		default:
			if x != y {
				t.Errorf("%s: %v without intervals, %v with", path, x, y)
			}
		}
	}
	contained("", ja, jb)
}
