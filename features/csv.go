package features

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/gocarina/gocsv"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// Num is a float64 written in CSV with the fewest digits that read back
// exactly (strconv 'g', -1). It must be present and finite.
type Num float64

// MarshalCSV implements gocsv.TypeMarshaller.
func (v Num) MarshalCSV() (string, error) { return formatFloat(float64(v)), nil }

// UnmarshalCSV implements gocsv.TypeUnmarshaller.
func (v *Num) UnmarshalCSV(s string) error {
	if s == "" {
		return errors.New("missing value")
	}
	f, err := parseFloat(s)
	*v = Num(f)
	return err
}

// Opt is an optional float64: V holds a finite value when OK is true. It is
// an empty CSV field when OK is false, and written like Num otherwise.
type Opt struct {
	V  float64
	OK bool
}

// Or returns V when o is set and def otherwise.
func (o Opt) Or(def float64) float64 {
	if o.OK {
		return o.V
	}
	return def
}

// MarshalCSV implements gocsv.TypeMarshaller.
func (o Opt) MarshalCSV() (string, error) {
	if !o.OK {
		return "", nil
	}
	return formatFloat(o.V), nil
}

// UnmarshalCSV implements gocsv.TypeUnmarshaller.
func (o *Opt) UnmarshalCSV(s string) error {
	if s == "" {
		*o = Opt{}
		return nil
	}
	f, err := parseFloat(s)
	*o = Opt{V: f, OK: err == nil}
	return err
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parseFloat parses a finite float64.
func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not finite", s)
	}
	return f, nil
}

// Writer writes rows as CSV with the header Columns. Each call of Write
// issues a single Write of whole lines on the underlying writer, so the
// output stays well-formed when a run stops between two rows. A Writer is not
// safe for concurrent use.
type Writer struct {
	w      io.Writer
	buf    bytes.Buffer
	csv    *csv.Writer // writes into buf
	header bool        // the header has been written
	err    error       // first error, returned by every later call
}

// NewWriter returns a Writer on w. Nothing is written before the first call
// of Write or Flush.
func NewWriter(w io.Writer) *Writer {
	out := &Writer{w: w}
	out.csv = csv.NewWriter(&out.buf)
	return out
}

// Write writes one row, preceded by the header if it is the first. After an
// error every later call returns that error.
func (w *Writer) Write(r Row) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	w.writeHeader()
	if err := gocsv.MarshalCSVWithoutHeaders([]Row{r}, gocsv.NewSafeCSVWriter(w.csv)); err != nil {
		w.err = fmt.Errorf("write features of %s: %w", r.ID, err)
		return w.err
	}
	return w.emit()
}

// Flush writes the header if no row has been written yet, so that an empty
// set of rows is still a well-formed CSV file, and returns the first error
// met by the Writer.
func (w *Writer) Flush() error {
	if w.err != nil || w.header {
		return w.err
	}
	w.buf.Reset()
	w.writeHeader()
	return w.emit()
}

func (w *Writer) writeHeader() {
	if w.header {
		return
	}
	w.header = true
	_ = w.csv.Write(columns[:]) // writes into a bytes.Buffer: cannot fail
}

func (w *Writer) emit() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		w.err = fmt.Errorf("write features: %w", err)
		return w.err
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write features: %w", err)
	}
	return w.err
}

// Write writes rows as CSV, with the header Columns, on w.
func Write(w io.Writer, rows []Row) error {
	out := NewWriter(w)
	for _, r := range rows {
		if err := out.Write(r); err != nil {
			return err
		}
	}
	return out.Flush()
}

// ErrHeader is returned by Read when the header is not Columns.
var ErrHeader = errors.New("header is not the expected columns")

// Read reads rows written by Write. The header must be Columns exactly. A
// malformed field is reported as a *csv.ParseError carrying its line and
// column: a number that does not parse or is not finite, a missing id,
// window or count, an unknown status, a window <= 0, or n outside
// [0, size]. A line longer than data.MaxLineBytes, its line end included,
// is one too, wrapping data.ErrLineTooLong, so that a file without line ends
// is refused rather than read into memory whole. Like encoding/csv, Read
// says what is wrong and where, not what it was reading: the caller, who
// knows the file, adds that.
func Read(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(&lineLimit{r: r})
	cr.FieldsPerRecord = -1 // the header is checked first, then the length of each record
	header, err := cr.Read()
	if err != nil && err != io.EOF {
		return nil, err
	}
	if !slices.Equal(header, columns[:]) {
		return nil, fmt.Errorf("%w: got %q, want %q", ErrHeader, header, columns)
	}
	cr.FieldsPerRecord = len(columns)
	body, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	recs := append([][]string{header}, body...)
	for i, rec := range recs[1:] {
		for j, col := range []int{0, 1, 2, 3, 4} { // id, window, status, n, size
			if rec[col] == "" {
				return nil, &csv.ParseError{Line: i + 2, Column: j + 1, Err: fmt.Errorf("empty %s", columns[col])}
			}
		}
	}
	var rows []Row
	if err := gocsv.UnmarshalDecoder(records(recs), &rows); err != nil {
		return nil, err
	}
	for i := range rows {
		if err := check(&rows[i]); err != nil {
			return nil, &csv.ParseError{Line: i + 2, Column: err.col, Err: err}
		}
	}
	return rows, nil
}

// lineLimit reads from r and fails with a *csv.ParseError wrapping
// data.ErrLineTooLong once a line exceeds data.MaxLineBytes.
type lineLimit struct {
	r    io.Reader
	line int // 1-based line of the next byte
	n    int // bytes of that line before it
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.line == 0 {
		l.line = 1
	}
	for i, c := range p[:n] {
		if c == '\n' {
			l.line++
			l.n = 0
			continue
		}
		if l.n++; l.n >= data.MaxLineBytes {
			return i, &csv.ParseError{StartLine: l.line, Line: l.line, Column: l.n,
				Err: fmt.Errorf("%w (more than %d bytes)", data.ErrLineTooLong, data.MaxLineBytes)}
		}
	}
	return n, err
}

// records hands already-read CSV records to gocsv.
type records [][]string

func (r records) GetCSVRows() ([][]string, error) { return r, nil }

type fieldError struct {
	col int // 1-based column
	msg string
}

func (e *fieldError) Error() string { return e.msg }

// check checks the invariants of a row read back from CSV.
func check(r *Row) *fieldError {
	switch {
	case !(r.Window > 0):
		return &fieldError{2, fmt.Sprintf("window %v is not > 0", float64(r.Window))}
	case !validStatus(r.Status):
		return &fieldError{3, fmt.Sprintf("unknown status %q", r.Status)}
	case r.N < 0:
		return &fieldError{4, fmt.Sprintf("n %d is negative", r.N)}
	case r.Size < r.N:
		return &fieldError{5, fmt.Sprintf("size %d is less than n %d", r.Size, r.N)}
	}
	return nil
}

func validStatus(s fit.Status) bool {
	switch s {
	case fit.StatusOK, fit.StatusSupercritical, fit.StatusUnbounded, fit.StatusFailed:
		return true
	}
	return false
}
