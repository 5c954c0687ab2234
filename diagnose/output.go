package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hawkes-toolkit/hawkes/internal/rows"
)

// Output formats understood by NewWriter.
const (
	FormatTable = "table" // aligned columns for reading, "-" where a value does not apply
	FormatCSV   = rows.CSV
	FormatJSONL = rows.JSONL
)

// columns are the columns of the output, in order:
//
//	id             cascade id
//	n              events observed in [0, T]
//	status         status of the power-law fit (fit.Status)
//	kernel         kernel of the rescaling: power_law, or exponential where
//	               the fit is the exponential limit
//	gaps           rescaled gaps tested (events after the original's second)
//	ks_d, ks_p     Kolmogorov-Smirnov distance of the gaps to Exp(1), p-value
//	reject         true when ks_p < 0.05
//	ll_pl, ll_exp  log-likelihood per observed event of the power law and
//	               of the exponential kernel
//	aic_pl, aic_exp  Akaike's criterion of each
//	better         the kernel with the lower AIC
//
// A value that does not apply (no fit, no gap) is empty in CSV, null in
// JSONL and "-" in the table.
var columns = [...]string{"id", "n", "status", "kernel", "gaps", "ks_d", "ks_p", "reject", "ll_pl", "ll_exp", "aic_pl", "aic_exp", "better"}

// Columns returns the columns of the output (see columns); the slice is a
// new copy on each call.
func Columns() []string { return slices.Clone(columns[:]) }

// Writer writes diagnostics, one row per cascade, as a table, CSV or JSON
// lines; each row is one Write on the underlying writer.
type Writer struct {
	// Gaps adds to each JSON line the key "rescaled_gaps": the cascade's
	// rescaled gaps (Result.Gaps), in event order, or null. It applies to
	// FormatJSONL only.
	Gaps bool

	w     io.Writer
	rows  *rows.Writer // nil for the table
	table bool
	head  bool
	err   error
}

// NewWriter returns a Writer of the given format (FormatTable, FormatCSV or
// FormatJSONL) on w. It fails only on an unknown format.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	if format == FormatTable {
		return &Writer{w: w, table: true}, nil
	}
	rw, err := rows.New(w, format, columns[:], "diagnostics")
	if err != nil {
		return nil, fmt.Errorf("%w (or %s)", err, FormatTable)
	}
	return &Writer{w: w, rows: rw}, nil
}

// tableWidths are the widths of the table's columns; the id is left
// aligned in its width, longer ids widen their row.
var tableWidths = [...]int{14, 7, 13, 11, 7, 8, 9, 6, 9, 9, 11, 11, 11}

// Write writes the row of one cascade.
func (w *Writer) Write(id string, r *Result) error {
	vals := fields(id, r)
	switch {
	case w.rows == nil:
		if w.err != nil {
			return w.err
		}
		var b strings.Builder
		if !w.head {
			w.head = true
			b.WriteString(tableLine(columns[:]))
		}
		b.WriteString(tableLine(vals))
		if _, err := io.WriteString(w.w, b.String()); err != nil {
			w.err = fmt.Errorf("write diagnostics: %w", err)
		}
		return w.err
	case w.rows.JSONL():
		return w.rows.WriteLine(func(b []byte) ([]byte, error) {
			b, err := appendJSON(b, vals)
			if err != nil || !w.Gaps {
				return b, err
			}
			b = append(b[:len(b)-2], `,"rescaled_gaps":`...)
			if !r.Tested() {
				b = append(b, "null"...)
			} else {
				for i, g := range r.Gaps {
					b = append(b, "[,"[min(i, 1)])
					b = strconv.AppendFloat(b, g, 'g', -1, 64)
				}
				b = append(b, ']')
			}
			return append(b, "}\n"...), nil
		})
	default:
		return w.rows.WriteCSV(vals)
	}
}

// Flush writes the CSV header or the table's head if no row has been
// written, and returns the first error met.
func (w *Writer) Flush() error {
	if w.rows != nil {
		return w.rows.Flush()
	}
	if w.err == nil && !w.head {
		w.head = true
		if _, err := io.WriteString(w.w, tableLine(columns[:])); err != nil {
			w.err = fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return w.err
}

func tableLine(vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		if v == "" {
			v = "-"
		}
		if i == 0 {
			fmt.Fprintf(&b, "%-*s", tableWidths[i], v)
			continue
		}
		fmt.Fprintf(&b, " %*s", tableWidths[i], v)
	}
	b.WriteByte('\n')
	return b.String()
}

// fields returns the row's values as text, "" where a value does not apply.
func fields(id string, r *Result) []string {
	num := func(v float64, ok bool) string {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	out := []string{id, strconv.Itoa(r.Fit.N), string(r.Fit.Status), "", "", "", "", "", "", "", "", "", r.Better()}
	if k, ok := r.Fit.Kernel(); ok {
		out[3] = "power_law"
		if k.Exponential {
			out[3] = "exponential"
		}
	}
	if r.Tested() {
		out[4] = strconv.Itoa(len(r.Gaps))
		out[5] = num(r.KS, true)
		out[6] = num(r.P, true)
		out[7] = strconv.FormatBool(r.Rejected())
	}
	n := float64(r.Fit.N)
	ll, ok := r.LogLikPowerLaw()
	out[8] = num(ll/n, ok)
	out[9] = num(r.Exp.LogLik/n, r.Exp.OK)
	pl, ex := r.AIC()
	out[10] = num(pl, true)
	out[11] = num(ex, true)
	return out
}

// appendJSON appends the row as a JSON object: numbers as numbers, reject
// as a boolean, and null where a value does not apply.
func appendJSON(b []byte, vals []string) ([]byte, error) {
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, columns[i])
		b = append(b, ':')
		switch {
		case v == "":
			b = append(b, "null"...)
		case columns[i] == "n" || columns[i] == "gaps" || columns[i] == "reject" || (i >= 5 && i <= 11):
			b = append(b, v...)
		default:
			s, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b = append(b, s...)
		}
	}
	return append(b, "}\n"...), nil
}
