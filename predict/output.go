package predict

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/internal/rows"
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
	rows *rows.Writer
}

// NewWriter returns a Writer of format fit.FormatCSV or fit.FormatJSONL on
// w. Nothing is written before the first Write or Flush.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	rw, err := rows.New(w, format, Columns[:], "predictions")
	if err != nil {
		return nil, err
	}
	return &Writer{rows: rw}, nil
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
	if w.rows.JSONL() {
		return w.rows.WriteLine(func(b []byte) ([]byte, error) {
			row := jsonRow{ID: r.ID, Window: r.Window, N: r.N, Size: r.Size, NHat: r.NHat,
				Source: r.Source, Status: string(r.Status)}
			if r.Interval {
				row.Lo, row.Hi = &r.Lo, &r.Hi
			}
			buf := bytes.NewBuffer(b)
			enc := json.NewEncoder(buf)
			enc.SetEscapeHTML(false)
			err := enc.Encode(row)
			return buf.Bytes(), err
		})
	}
	lo, hi := "", ""
	if r.Interval {
		lo, hi = formatFloat(r.Lo), formatFloat(r.Hi)
	}
	return w.rows.WriteCSV([]string{r.ID, formatFloat(r.Window), strconv.Itoa(r.N), strconv.Itoa(r.Size),
		formatFloat(r.NHat), lo, hi, string(r.Source), string(r.Status)})
}

// Flush writes the CSV header if no row has been written yet, so that an
// empty result is still a well-formed CSV file, and returns the first error
// met by the Writer.
func (w *Writer) Flush() error { return w.rows.Flush() }

// formatFloat formats v with the fewest digits that parse back to v.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
