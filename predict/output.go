package predict

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/fit"
)

// Columns are the columns of the output of Writer, in order:
//
//	id      cascade id
//	window  observation window T, seconds
//	n       events observed up to T
//	size    final size of the cascade in the data set
//	nhat    predicted final size
//	lo, hi  prediction interval of the model's level (empty, null in JSONL,
//	        where the prediction has none: not the forest's, or an old model)
//	source  which predictor gave nhat: forest, loglinear, hawkes or observed
//	status  status of the fit: ok, supercritical, unbounded or failed
var Columns = [...]string{"id", "window", "n", "size", "nhat", "lo", "hi", "source", "status"}

// Writer writes results, one row per cascade and window, as CSV (a header
// line, then the columns of Columns) or JSON lines (fit.FormatCSV,
// fit.FormatJSONL): one object per line with the keys of Columns in that
// order. Each row is written whole in one Write of the underlying writer.
// A Writer is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	jsonl  bool
	buf    bytes.Buffer
	csv    *csv.Writer // writes into buf
	header bool
	err    error // first write error, returned by every later call
}

// NewWriter returns a Writer of format fit.FormatCSV or fit.FormatJSONL on
// w. Nothing is written before the first Write or Flush.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	out := &Writer{w: w}
	switch format {
	case fit.FormatCSV:
		out.csv = csv.NewWriter(&out.buf)
	case fit.FormatJSONL:
		out.jsonl = true
	default:
		return nil, fmt.Errorf("unknown output format %q (want %s or %s)", format, fit.FormatCSV, fit.FormatJSONL)
	}
	return out, nil
}

// jsonRow fixes the keys and their order in JSON lines.
type jsonRow struct {
	ID     string   `json:"id"`
	Window float64  `json:"window"`
	N      int      `json:"n"`
	Size   int      `json:"size"`
	NHat   float64  `json:"nhat"`
	Lo     *float64 `json:"lo"`
	Hi     *float64 `json:"hi"`
	Source Source   `json:"source"`
	Status string   `json:"status"`
}

// Write writes the row of one result. After a write error every later
// call returns that error.
func (w *Writer) Write(r Result) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	if w.jsonl {
		enc := json.NewEncoder(&w.buf)
		enc.SetEscapeHTML(false)
		row := jsonRow{ID: r.ID, Window: r.Window, N: r.N, Size: r.Size, NHat: r.NHat,
			Source: r.Source, Status: string(r.Status)}
		if r.Interval {
			row.Lo, row.Hi = &r.Lo, &r.Hi
		}
		if err := enc.Encode(row); err != nil {
			w.err = fmt.Errorf("write jsonl: %w", err)
			return w.err
		}
	} else {
		w.writeHeader()
		lo, hi := "", ""
		if r.Interval {
			lo, hi = formatFloat(r.Lo), formatFloat(r.Hi)
		}
		_ = w.csv.Write([]string{r.ID, formatFloat(r.Window), strconv.Itoa(r.N), strconv.Itoa(r.Size),
			formatFloat(r.NHat), lo, hi, string(r.Source), string(r.Status)}) // into a bytes.Buffer: cannot fail
	}
	return w.emit()
}

// Flush writes the CSV header if no row has been written yet, so that an
// empty result is still a well-formed CSV file, and returns the first error
// met by the Writer.
func (w *Writer) Flush() error {
	if w.err != nil || w.jsonl || w.header {
		return w.err
	}
	w.buf.Reset()
	w.writeHeader()
	return w.emit()
}

func (w *Writer) writeHeader() {
	if !w.header {
		w.header = true
		_ = w.csv.Write(Columns[:])
	}
}

// emit sends the buffered line to the underlying writer in one call.
func (w *Writer) emit() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			w.err = fmt.Errorf("write csv: %w", err)
			return w.err
		}
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write predictions: %w", err)
	}
	return w.err
}

// formatFloat formats v with the fewest digits that parse back to v.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
