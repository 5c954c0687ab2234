package fit

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/internal/rows"
)

// Output formats understood by NewWriter.
const (
	// FormatCSV writes a header line and then one comma-separated row per
	// cascade with the columns of Columns.
	FormatCSV = rows.CSV
	// FormatJSONL writes one JSON object per line with the keys of Columns,
	// in that order, with "log_kappa" (log kappa, given also where kappa
	// overflows float64) and "rate" (theta/c, or the rate of the
	// exponential limit) before "status", and "reason" and "evals" (the
	// likelihood evaluations of the fit, Result.Evals) after it.
	FormatJSONL = rows.JSONL
)

// columns are the columns of the CSV output of Writer, in order:
//
//	id      cascade id
//	n       events observed in [0, T] (Result.N)
//	size    final size of the cascade, counting the original tweet
//	kappa, beta, c, theta   fitted kernel parameters
//	nstar   branching factor n*
//	a1      expected direct children after T of the observed events
//	nhat    predicted final size n + a1/(1-n*)
//	loglik  maximised log-likelihood
//	status  ok, supercritical, unbounded or failed
//
// A field that does not apply to the result is left empty in CSV and is null
// in JSONL: nhat for supercritical (Result.HasPrediction); kappa, c and theta
// for unbounded and for any result in the exponential limit
// (Result.HasPowerLaw), and kappa alone where it exceeds the float64 range
// (Result.LogKappa holds it); kappa to loglik for failed (Result.HasFit). A value
// that is not finite is never written: its field is empty (null) as well.
var columns = [...]string{"id", "n", "size", "kappa", "beta", "c", "theta", "nstar", "a1", "nhat", "loglik", "status"}

// Columns returns the columns of the CSV output (see columns above); the
// slice is a new copy on each call.
func Columns() []string { return slices.Clone(columns[:]) }

// Writer writes fit results, one row per cascade, in CSV or JSONL. Each call
// of Write issues a single Write of whole lines on the underlying writer, so
// the output stays well-formed when a run stops between two rows. A Writer
// is not safe for concurrent use.
type Writer struct {
	rows *rows.Writer
}

// NewWriter returns a Writer of the given format, FormatCSV or FormatJSONL,
// on w. It fails only on an unknown format. Nothing is written before the
// first call of Write or Flush.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	rw, err := rows.New(w, format, columns[:], "results")
	if err != nil {
		return nil, err
	}
	return &Writer{rows: rw}, nil
}

// Write writes the row of one cascade: its id, its final size (data.Cascade
// Len) and the result of its fit. After a write error every later call
// returns that error.
func (w *Writer) Write(id string, size int, r Result) error {
	if w.rows.JSONL() {
		return w.rows.WriteLine(func(b []byte) ([]byte, error) { return appendJSON(b, id, size, r), nil })
	}
	return w.rows.WriteCSV(csvRecord(id, size, r))
}

// Flush writes the CSV header if no row has been written yet, so that an
// empty result set is still a well-formed CSV file, and returns the first
// error met by the Writer.
func (w *Writer) Flush() error { return w.rows.Flush() }

func csvRecord(id string, size int, r Result) []string {
	vals, ok := reported(r)
	rec := make([]string, 0, len(columns))
	rec = append(rec, id, strconv.Itoa(r.N), strconv.Itoa(size))
	for i, v := range vals {
		if ok[i] {
			rec = append(rec, formatFloat(v))
		} else {
			rec = append(rec, "")
		}
	}
	return append(rec, string(r.Status))
}

func appendJSON(b []byte, id string, size int, r Result) []byte {
	vals, ok := reported(r)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, int64(r.N), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	for i, v := range vals {
		b = append(b, ',', '"')
		b = append(b, columns[3+i]...)
		b = append(b, '"', ':')
		b = appendJSONFloat(b, v, ok[i])
	}
	b = append(b, `,"log_kappa":`...)
	b = appendJSONFloat(b, r.LogKappa, r.HasPowerLaw())
	b = append(b, `,"rate":`...)
	b = appendJSONFloat(b, r.Rate, r.HasFit())
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(r.Status))
	b = append(b, `,"reason":`...)
	if r.Reason == "" {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, r.Reason)
	}
	b = append(b, `,"evals":`...)
	b = strconv.AppendInt(b, int64(r.Evals), 10)
	return append(b, "}\n"...)
}

// reported returns kappa, beta, c, theta, nstar, a1, nhat and loglik of r,
// each with whether it applies to r (Result.HasPowerLaw, HasFit and
// HasPrediction) and is finite.
func reported(r Result) (vals [8]float64, ok [8]bool) {
	vals = [8]float64{r.Kappa, r.Beta, r.C, r.Theta, r.NStar, r.A1, r.NHat, r.LogLik}
	pl, fitted := r.HasPowerLaw(), r.HasFit()
	ok = [8]bool{pl && r.Kappa > 0, fitted, pl, pl, fitted, fitted, r.HasPrediction(), fitted}
	for i, v := range vals {
		ok[i] = ok[i] && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return vals, ok
}

// appendJSONFloat appends v, or null when it does not apply or is not finite.
func appendJSONFloat(b []byte, v float64, applies bool) []byte {
	if !applies || math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// formatFloat formats v with the fewest digits that parse back to v.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
