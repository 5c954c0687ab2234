package data

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors wrapped by ParseError (and by Cascade.Validate). Test for
// them with errors.Is.
var (
	// ErrEmpty: the file has no header line.
	ErrEmpty = errors.New("empty file")
	// ErrMissingColumn: a required column is not in the header.
	ErrMissingColumn = errors.New("missing column")
	// ErrDuplicateColumn: the header names a column twice, or names two
	// alternatives of the same column (time and relative_time_second).
	ErrDuplicateColumn = errors.New("duplicate column")
	// ErrFieldCount: a row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrQuote: a quote is unbalanced or misplaced. A quoted field must end
	// on its own line: fields cannot contain line breaks.
	ErrQuote = errors.New("bad quote")
	// ErrMissingValue: a field that must hold a value is empty.
	ErrMissingValue = errors.New("missing value")
	// ErrNotNumber: a field is not a decimal number (or, for start_ind and
	// end_ind, not an integer).
	ErrNotNumber = errors.New("not a number")
	// ErrNotFinite: a number is NaN or infinite, or overflows.
	ErrNotFinite = errors.New("not finite")
	// ErrNegative: a time or magnitude is negative.
	ErrNegative = errors.New("negative value")
	// ErrBackwards: a time is smaller than the previous time of the same
	// cascade.
	ErrBackwards = errors.New("time goes backwards")
	// ErrRange: an index range starts before row 1 or ends after the last
	// data row.
	ErrRange = errors.New("index range out of bounds")
	// ErrInverted: an index range has start_ind > end_ind.
	ErrInverted = errors.New("inverted index range")
	// ErrOverlap: two index ranges share a data row.
	ErrOverlap = errors.New("overlapping index ranges")
	// ErrDuplicateID: two cascades have the same id.
	ErrDuplicateID = errors.New("duplicate id")
	// ErrBadID: an id is empty or contains a line break (it cannot be
	// written to, or read from, a CSV line).
	ErrBadID = errors.New("bad id")
	// ErrNoEvents: a cascade has no events (a single-cascade file with a
	// header only, or a Cascade with empty Times).
	ErrNoEvents = errors.New("no events")
	// ErrLength: a Cascade's Times and Mags have different lengths.
	ErrLength = errors.New("times and magnitudes differ in length")
	// ErrLineTooLong: a line is longer than MaxLineBytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrNotFile: a path given as a file names a folder.
	ErrNotFile = errors.New("not a file")
)

// ParseError is the error returned for bad input. It names the place of the
// problem; Err wraps one of the sentinel errors above.
type ParseError struct {
	File   string // file name as given to the reader, e.g. "seismic/data.csv"
	Line   int    // 1-based line in the file (the header is line 1); 0 if unknown
	Column string // column name as written in the header; "" for a whole line
	Err    error
}

func (e *ParseError) Error() string {
	b := make([]byte, 0, 64)
	b = append(b, e.File...)
	if e.Line > 0 {
		b = append(b, " line "...)
		b = strconv.AppendInt(b, int64(e.Line), 10)
	}
	if e.Column != "" {
		b = append(b, " column "...)
		b = append(b, e.Column...)
	}
	b = append(b, ": "...)
	b = append(b, e.Err.Error()...)
	return string(b)
}

func (e *ParseError) Unwrap() error { return e.Err }

// parseErr builds a *ParseError whose Err wraps sentinel with a detail
// message formatted from format and args (format may be "").
func parseErr(file string, line int, column string, sentinel error, format string, args ...any) *ParseError {
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w "+format, append([]any{sentinel}, args...)...)
	}
	return &ParseError{File: file, Line: line, Column: column, Err: err}
}

// quoteField returns b quoted for an error message, shortened when long.
func quoteField(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}
