package fit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hawkes-toolkit/hawkes/internal/golden"
)

// The -update flag of package golden regenerates the golden files of this
// file:
//
//	go test ./fit -run Output -update

// outputCases cover every status, values that must be left out, and ids that
// need quoting. The numbers are arbitrary but chosen to exercise the
// shortest round-trip formatting (exponents, many digits, negative zero).
var outputCases = []struct {
	id   string
	size int
	r    Result
}{
	{"RT1", 3001, Result{
		Params:   Params{Kappa: 0.0123456789, Beta: 0.5, C: 61.25, Theta: 0.75},
		LogKappa: -4.394449163772439, // log 0.0123456789
		Rate:     0.75 / 61.25, NStar: 0.8123, A1: 412.5, NHat: 2402.3991, LogLik: -10234.56789,
		N: 178, Status: StatusOK, Starts: 8, Converged: 8,
	}},
	{"RT2", 2500, Result{
		Params:   Params{Kappa: 3.5e-05, Beta: 1e-9, C: 1234567.5, Theta: 12},
		LogKappa: -10.26016249647486, // log 3.5e-05
		Rate:     12 / 1234567.5, NStar: 1.0000001, A1: 1e21, NHat: 123, LogLik: -5e-324,
		N: 40, Status: StatusSupercritical, Starts: 8, Converged: 5, Evals: 1234,
	}},
	{"RT3", 4000, Result{
		Params: Params{Beta: 0.3},
		Rate:   0.002, NStar: 1, A1: 17.25, LogLik: -77.5,
		N: 60, Status: StatusSupercritical, Exponential: true, Starts: 8, Converged: 8,
	}},
	{"with,comma", 77, Result{
		Params: Params{Kappa: 99, Beta: 0.25, C: 5, Theta: 7},
		Rate:   0.01, NStar: 0.5, A1: 3, NHat: 86, LogLik: math.Copysign(0, -1),
		N: 80, Status: StatusUnbounded, Exponential: true, Reason: "likelihood rises towards the exponential kernel", Starts: 8, Converged: 8,
	}},
	{`quote"d`, 50, Result{
		Params: Params{Kappa: 1, Beta: 1, C: 1, Theta: 1},
		NStar:  0.3, A1: 2, NHat: 52, LogLik: -1,
		N: 1, Status: StatusFailed, Reason: `too few events: "1" <tag> & more`, Starts: 8,
	}},
	{"nonfinite", 10, Result{
		Params:   Params{Kappa: math.NaN(), Beta: 0.1, C: math.Inf(1), Theta: 2},
		LogKappa: math.NaN(), Rate: math.Inf(1),
		NStar: 0.2, A1: math.Inf(-1), NHat: math.NaN(), LogLik: -3,
		N: 9, Status: StatusOK,
	}},
	{"Ünïcödé", 5, Result{N: 0, Status: StatusFailed}},
	{"kappa-overflow", 900, Result{
		Params:   Params{Kappa: 0, Beta: 1.0151309219198537, C: 27701.71376900525, Theta: 73.60184002410406},
		LogKappa: 751.25, Rate: 73.60184002410406 / 27701.71376900525, NStar: 0.8461043583571546, A1: 30, NHat: 665, LogLik: -2000,
		N: 470, Status: StatusOK, Reason: "kappa = e^751.25 exceeds the float64 range (reported as log_kappa)",
	}},
}

func writeOutput(t *testing.T, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, format)
	if err != nil {
		t.Fatalf("NewWriter(%q): %v", format, err)
	}
	for _, c := range outputCases {
		if err := w.Write(c.id, c.size, c.r); err != nil {
			t.Fatalf("Write(%q): %v", c.id, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestOutputGoldenCSV(t *testing.T) {
	checkGolden(t, "output.csv.golden", writeOutput(t, FormatCSV))
}

func TestOutputGoldenJSONL(t *testing.T) {
	checkGolden(t, "output.jsonl.golden", writeOutput(t, FormatJSONL))
}

// TestOutputApplicableFields checks, for each status, which of kappa..loglik
// are written (the rules of Columns()), independently of the golden files.
func TestOutputApplicableFields(t *testing.T) {
	full := Result{Params: Params{Kappa: 1, Beta: 2, C: 3, Theta: 4}, NStar: 5, A1: 6, NHat: 7, LogLik: 8, N: 9}
	tests := []struct {
		status      Status
		exponential bool
		want        string // kappa..loglik as CSV fields
	}{
		{StatusOK, false, "1,2,3,4,5,6,7,8"},
		{StatusSupercritical, false, "1,2,3,4,5,6,,8"},
		{StatusSupercritical, true, ",2,,,5,6,,8"},
		{StatusUnbounded, true, ",2,,,5,6,7,8"},
		{StatusFailed, false, ",,,,,,,"},
	}
	for _, tt := range tests {
		r := full
		r.Status, r.Exponential = tt.status, tt.exponential
		var buf bytes.Buffer
		w, err := NewWriter(&buf, FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write("x", 10, r); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		want := "x,9,10," + tt.want + "," + string(tt.status)
		if len(lines) != 2 || lines[1] != want {
			t.Errorf("status %s (exponential %v): got rows %q, want header and %q", tt.status, tt.exponential, lines, want)
		}
	}
}

func TestOutputUnknownFormat(t *testing.T) {
	if _, err := NewWriter(&bytes.Buffer{}, "xml"); err == nil {
		t.Fatal("NewWriter(xml) returned no error")
	}
}

func TestOutputEmptyCSVHasHeader(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), strings.Join(Columns(), ",")+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// callRecorder records every Write call it receives.
type callRecorder struct {
	calls [][]byte
	err   error
}

func (c *callRecorder) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.calls = append(c.calls, append([]byte(nil), p...))
	return len(p), nil
}

// TestOutputWholeLines checks that every underlying write ends a line, so
// that a run stopped between rows leaves well-formed output.
func TestOutputWholeLines(t *testing.T) {
	for _, format := range []string{FormatCSV, FormatJSONL} {
		var rec callRecorder
		w, err := NewWriter(&rec, format)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range outputCases {
			if err := w.Write(c.id, c.size, c.r); err != nil {
				t.Fatal(err)
			}
		}
		if len(rec.calls) != len(outputCases) {
			t.Errorf("%s: %d underlying writes for %d rows, want one per row", format, len(rec.calls), len(outputCases))
		}
		for i, p := range rec.calls {
			if !bytes.HasSuffix(p, []byte("\n")) {
				t.Errorf("%s: write %d does not end a line: %q", format, i, p)
			}
		}
	}
}

func TestOutputStickyError(t *testing.T) {
	errDisk := errors.New("disk full")
	w, err := NewWriter(&callRecorder{err: errDisk}, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	c := outputCases[0]
	if err := w.Write(c.id, c.size, c.r); !errors.Is(err, errDisk) {
		t.Fatalf("Write: got %v, want %v", err, errDisk)
	}
	if err := w.Write(c.id, c.size, c.r); !errors.Is(err, errDisk) {
		t.Errorf("second Write: got %v, want %v", err, errDisk)
	}
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Errorf("Flush: got %v, want %v", err, errDisk)
	}
}

// TestOutputJSONLParses checks that each JSONL line is a JSON object with the
// documented keys and that the numbers round-trip.
func TestOutputJSONLParses(t *testing.T) {
	out := writeOutput(t, FormatJSONL)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(outputCases) {
		t.Fatalf("got %d lines, want %d", len(lines), len(outputCases))
	}
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range append(Columns(), "reason", "evals") {
			if _, ok := obj[k]; !ok {
				t.Errorf("line %d: key %q missing", i+1, k)
			}
		}
		if got := obj["id"]; got != outputCases[i].id {
			t.Errorf("line %d: id %q, want %q", i+1, got, outputCases[i].id)
		}
		if got, want := obj["evals"], float64(outputCases[i].r.Evals); got != want {
			t.Errorf("line %d: evals %v, want %v", i+1, got, want)
		}
	}
}

// FuzzOutputRoundTrip writes one row in each format and reads it back: the
// id, counts and every written number must come back bit for bit, and the
// fields left out must be exactly those that do not apply or are not finite.
func FuzzOutputRoundTrip(f *testing.F) {
	for _, c := range outputCases {
		f.Add(c.id, c.r.N, c.size, c.r.Kappa, c.r.Beta, c.r.C, c.r.Theta, c.r.NStar, c.r.A1, c.r.NHat, c.r.LogLik, string(c.r.Status), c.r.Exponential)
	}
	f.Fuzz(func(t *testing.T, id string, n, size int, kappa, beta, c, theta, nstar, a1, nhat, loglik float64, status string, exponential bool) {
		if strings.ContainsRune(id+status, '\r') || !utf8.ValidString(id) || !utf8.ValidString(status) {
			t.Skip("encoding/csv turns \\r\\n into \\n and JSON replaces invalid UTF-8")
		}
		r := Result{Params: Params{Kappa: kappa, Beta: beta, C: c, Theta: theta}, NStar: nstar, A1: a1, NHat: nhat, LogLik: loglik, N: n, Status: Status(status), Exponential: exponential}
		vals, ok := reported(r)

		var buf bytes.Buffer
		w, err := NewWriter(&buf, FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(id, size, r); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if len(recs) != 2 {
			t.Fatalf("got %d records, want 2", len(recs))
		}
		row := recs[1]
		if row[0] != id || row[1] != strconv.Itoa(n) || row[2] != strconv.Itoa(size) || row[11] != status {
			t.Fatalf("row %q does not round-trip id %q n %d size %d status %q", row, id, n, size, status)
		}
		for i, v := range vals {
			field := row[3+i]
			if !ok[i] {
				if field != "" {
					t.Errorf("%s: got %q, want empty", Columns()[3+i], field)
				}
				continue
			}
			got, err := strconv.ParseFloat(field, 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(v) {
				t.Errorf("%s: %q does not parse back to %v (%v)", Columns()[3+i], field, v, err)
			}
		}

		buf.Reset()
		if w, err = NewWriter(&buf, FormatJSONL); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(id, size, r); err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
			t.Fatalf("decode %q: %v", buf.Bytes(), err)
		}
		var gotID string
		if err := json.Unmarshal(raw["id"], &gotID); err != nil || gotID != id {
			t.Errorf("id: got %q (%v), want %q", gotID, err, id)
		}
		obj := make(map[string]*float64)
		for _, k := range Columns()[3:11] {
			var v *float64
			if err := json.Unmarshal(raw[k], &v); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			obj[k] = v
		}
		for i, v := range vals {
			got := obj[Columns()[3+i]]
			switch {
			case !ok[i] && got != nil:
				t.Errorf("%s: got %v, want null", Columns()[3+i], *got)
			case ok[i] && (got == nil || math.Float64bits(*got) != math.Float64bits(v)):
				t.Errorf("%s: got %v, want %v", Columns()[3+i], got, v)
			}
		}
	})
}

func BenchmarkOutputCSV(b *testing.B) {
	w, err := NewWriter(io.Discard, FormatCSV)
	if err != nil {
		b.Fatal(err)
	}
	c := outputCases[0]
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(c.id, c.size, c.r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOutputJSONL(b *testing.B) {
	w, err := NewWriter(io.Discard, FormatJSONL)
	if err != nil {
		b.Fatal(err)
	}
	c := outputCases[0]
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(c.id, c.size, c.r); err != nil {
			b.Fatal(err)
		}
	}
}
