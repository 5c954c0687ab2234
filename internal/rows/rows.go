// Package rows writes the rows of a command's output, as CSV after a header
// line or as JSON lines, each row in one Write of the underlying writer, so
// that the output stays well-formed when a run stops between two rows. It
// is the mechanism of fit.Writer and predict.Writer, which say what a row
// holds.
package rows

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
)

// The output formats.
const (
	CSV   = "csv"
	JSONL = "jsonl"
)

// Writer writes rows in one format. It is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	what   string   // what the rows are, for errors: "write <what>: ..."
	header []string // CSV header
	jsonl  bool
	buf    bytes.Buffer
	csv    *csv.Writer // writes into buf
	wrote  bool        // the CSV header has been written
	err    error       // first write error, returned by every later call
}

// New returns a Writer of format CSV, with header as its first line, or
// JSONL on w; what names the rows in write errors. It fails only on an
// unknown format. Nothing is written before the first row or Flush.
func New(w io.Writer, format string, header []string, what string) (*Writer, error) {
	out := &Writer{w: w, what: what, header: header}
	switch format {
	case CSV:
		out.csv = csv.NewWriter(&out.buf)
	case JSONL:
		out.jsonl = true
	default:
		return nil, fmt.Errorf("unknown output format %q (want %s or %s)", format, CSV, JSONL)
	}
	return out, nil
}

// JSONL reports whether the rows are JSON lines: the caller then writes
// them with WriteLine, else with WriteCSV.
func (w *Writer) JSONL() bool { return w.jsonl }

// WriteCSV writes one CSV record, after the header if it is the first.
// After a write error every later call returns that error.
func (w *Writer) WriteCSV(rec []string) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	w.writeHeader()
	_ = w.csv.Write(rec) // writes into a bytes.Buffer: cannot fail
	return w.emit()
}

// WriteLine writes the line that appendLine appends to its argument (ending
// in a newline). An error of appendLine is returned as a write error, and
// so is every later call's.
func (w *Writer) WriteLine(appendLine func(b []byte) ([]byte, error)) error {
	if w.err != nil {
		return w.err
	}
	w.buf.Reset()
	b, err := appendLine(w.buf.AvailableBuffer())
	if err != nil {
		w.err = fmt.Errorf("write %s: %w", JSONL, err)
		return w.err
	}
	w.buf.Write(b)
	return w.emit()
}

// Flush writes the CSV header if no row has been written yet, so that an
// empty output is still a well-formed CSV file, and returns the first error
// met by the Writer.
func (w *Writer) Flush() error {
	if w.err != nil || w.jsonl || w.wrote {
		return w.err
	}
	w.buf.Reset()
	w.writeHeader()
	return w.emit()
}

func (w *Writer) writeHeader() {
	if !w.wrote {
		w.wrote = true
		_ = w.csv.Write(w.header)
	}
}

// emit sends the buffered lines to the underlying writer in one call.
func (w *Writer) emit() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			w.err = fmt.Errorf("write %s: %w", CSV, err)
			return w.err
		}
	}
	if _, err := w.w.Write(w.buf.Bytes()); err != nil {
		w.err = fmt.Errorf("write %s: %w", w.what, err)
	}
	return w.err
}
