package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// This file holds the small CSV scanner shared by the readers. It is not a
// general CSV parser: a record is one line, so quoted fields cannot contain
// line breaks. That is enough for the numeric files of the data sets and lets
// the event reader parse straight from bufio's buffer without copying rows.

// MaxLineBytes bounds the length of a line in every file the readers read,
// its line ending included: 64 KiB, two hundred times the longest line of the
// data sets in hand. A longer line is a *ParseError wrapping ErrLineTooLong,
// so that a file without line ends (or a link to an endless device) is
// refused after MaxLineBytes bytes rather than read into memory whole.
const MaxLineBytes = 64 << 10

// lineReader returns the lines of a file one at a time, without their line
// ending ("\n" or "\r\n"), and counts them. Lines are at most MaxLineBytes
// long, the size of its buffer.
type lineReader struct {
	br   *bufio.Reader
	file string
	line int // number of the last line returned, 1-based
}

func newLineReader(r io.Reader, file string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, MaxLineBytes), file: file}
}

// next returns the next line, or io.EOF after the last one. The slice is only
// valid until the next call; next's caller may modify it in place.
func (lr *lineReader) next() ([]byte, error) {
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, parseErr(lr.file, lr.line+1, "", ErrLineTooLong, "(more than %d bytes)", MaxLineBytes)
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read %s line %d: %w", lr.file, lr.line+1, err)
	}
	if len(b) == 0 {
		return nil, io.EOF
	}
	lr.line++
	if n := len(b); b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b, nil
}

// header reads the header line: the first line that is not blank, with a
// UTF-8 byte order mark removed. It returns the column names, unquoted and
// trimmed of spaces.
func (lr *lineReader) header() ([]string, error) {
	for {
		line, err := lr.next()
		if err == io.EOF {
			return nil, &ParseError{File: lr.file, Line: lr.line + 1, Err: fmt.Errorf("%w (no header line)", ErrEmpty)}
		}
		if err != nil {
			return nil, err
		}
		line = bytes.TrimPrefix(line, []byte("\ufeff"))
		if len(line) == 0 {
			continue
		}
		fields, err := splitFields(line, nil)
		if err != nil {
			return nil, &ParseError{File: lr.file, Line: lr.line, Err: err}
		}
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = string(f)
		}
		return names, nil
	}
}

// splitFields splits one CSV line into fields, appending them to dst[:0].
// Unquoted fields are trimmed of spaces and tabs and may not contain a quote.
// A quoted field may have spaces and tabs around its quotes, and "" inside it
// stands for one quote; it is unescaped in place, so line is modified.
func splitFields(line []byte, dst [][]byte) ([][]byte, error) {
	dst = dst[:0]
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				return append(dst, trimSpace(line)), nil
			}
			dst = append(dst, trimSpace(line[:i]))
			line = line[i+1:]
		}
	}
	for {
		r := 0
		for r < len(line) && isSpace(line[r]) {
			r++
		}
		if r == len(line) || line[r] != '"' {
			i := bytes.IndexByte(line[r:], ',')
			end := len(line)
			if i >= 0 {
				end = r + i
			}
			f := trimSpace(line[r:end])
			if bytes.IndexByte(f, '"') >= 0 {
				return dst, fmt.Errorf("%w (quote inside unquoted field %d)", ErrQuote, len(dst)+1)
			}
			dst = append(dst, f)
			if i < 0 {
				return dst, nil
			}
			line = line[end+1:]
			continue
		}
		// Quoted field: unescape in place; w never passes r.
		r++
		start, w := r, r
		closed := false
		for r < len(line) {
			c := line[r]
			if c == '"' {
				if r+1 < len(line) && line[r+1] == '"' {
					line[w] = '"'
					w++
					r += 2
					continue
				}
				closed = true
				r++
				break
			}
			line[w] = c
			w++
			r++
		}
		if !closed {
			return dst, fmt.Errorf("%w (quoted field %d not closed on its line)", ErrQuote, len(dst)+1)
		}
		dst = append(dst, line[start:w])
		for r < len(line) && isSpace(line[r]) {
			r++
		}
		if r == len(line) {
			return dst, nil
		}
		if line[r] != ',' {
			return dst, fmt.Errorf("%w (text after the closing quote of field %d)", ErrQuote, len(dst))
		}
		line = line[r+1:]
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// pow10 holds the powers of ten that are exact in float64 and that the fast
// path of parseFloat can need.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat parses a decimal number such as 12, 0.5 or 1.5e-07. It returns
// ErrMissingValue for an empty field, ErrNotFinite for NaN, infinities and
// numbers that overflow, and ErrNotNumber for anything else that is not a
// decimal number (hexadecimal floats and digit separators included). -0 is
// returned as 0.
//
// The fast path handles plain digits with an optional decimal point and at
// most 15 digits: the digits then form an integer below 2^53 and the divisor
// 10^k is exact, so one correctly rounded division gives the same result as
// strconv.ParseFloat.
func parseFloat(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, ErrMissingValue
	}
	var mant uint64
	nd, frac := 0, -1
	for _, c := range b {
		if d := c - '0'; d < 10 {
			mant = mant*10 + uint64(d)
			nd++
			if frac >= 0 {
				frac++
			}
			continue
		}
		if c == '.' && frac < 0 {
			frac = 0
			continue
		}
		nd = 16 // not plain: take the slow path
		break
	}
	if nd > 0 && nd <= 15 {
		v := float64(mant)
		if frac > 0 {
			v /= pow10[frac]
		}
		return v, nil
	}
	return parseFloatSlow(b)
}

func parseFloatSlow(b []byte) (float64, error) {
	for _, c := range b {
		if !('0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			s := strings.ToLower(strings.TrimLeft(string(b), "+-"))
			if s == "nan" || s == "inf" || s == "infinity" {
				return 0, ErrNotFinite
			}
			return 0, ErrNotNumber
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, ErrNotFinite
		}
		return 0, ErrNotNumber
	}
	if v == 0 {
		v = 0 // drop the sign of -0
	}
	return v, nil
}

// parseInt parses a base-10 integer (an optional sign and digits). It
// returns ErrMissingValue, ErrNotNumber, or ErrRange when it does not fit.
func parseInt(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, ErrMissingValue
	}
	v, err := strconv.ParseInt(string(b), 10, strconv.IntSize)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, ErrRange
		}
		return 0, ErrNotNumber
	}
	return int(v), nil
}

// findColumn returns the position in names of the one column named by any of
// alts (compared without regard to case), or -1 if there is none. It fails
// with ErrDuplicateColumn when more than one column matches.
func findColumn(file string, line int, names []string, alts ...string) (int, error) {
	at := -1
	for i, n := range names {
		for _, a := range alts {
			if !strings.EqualFold(n, a) {
				continue
			}
			if at >= 0 {
				return -1, parseErr(file, line, n, ErrDuplicateColumn, "(also column %d, %s)", at+1, names[at])
			}
			at = i
		}
	}
	return at, nil
}

// Column names accepted in the headers, compared without regard to case.
var (
	timeColumns     = []string{"time", "relative_time_second"}
	magColumns      = []string{"magnitude", "number_of_followers"}
	startIndColumns = []string{"start_ind"}
	endIndColumns   = []string{"end_ind"}
	idColumns       = []string{"id"}
	dayColumns      = []string{"post_time_day"}
	secondColumns   = []string{"start_time", "post_time"}
)

// eventColumns locates the time and magnitude columns of an event file.
type eventColumns struct {
	file      string
	n         int // number of fields in the header
	time, mag int
	timeName  string
	magName   string
	fields    [][]byte // scratch for splitFields
}

func newEventColumns(file string, line int, names []string) (*eventColumns, error) {
	ec := &eventColumns{file: file, n: len(names)}
	var err error
	if ec.time, err = requireColumn(file, line, names, timeColumns); err != nil {
		return nil, err
	}
	if ec.mag, err = requireColumn(file, line, names, magColumns); err != nil {
		return nil, err
	}
	ec.timeName, ec.magName = names[ec.time], names[ec.mag]
	return ec, nil
}

func requireColumn(file string, line int, names, alts []string) (int, error) {
	i, err := findColumn(file, line, names, alts...)
	if err != nil {
		return -1, err
	}
	if i < 0 {
		return -1, parseErr(file, line, alts[0], ErrMissingColumn, "(the header needs %s)", strings.Join(alts, " or "))
	}
	return i, nil
}

// parse parses the time and magnitude of one event row and checks that both
// are finite and non-negative. line is the row's line number, for errors.
func (ec *eventColumns) parse(row []byte, line int) (t, m float64, err error) {
	if t, m, ok := ec.parseFast(row); ok {
		return t, m, nil
	}
	ec.fields, err = splitFields(row, ec.fields)
	if err != nil {
		return 0, 0, &ParseError{File: ec.file, Line: line, Err: err}
	}
	if len(ec.fields) != ec.n {
		return 0, 0, parseErr(ec.file, line, "", ErrFieldCount, "(%d, the header has %d)", len(ec.fields), ec.n)
	}
	if t, err = ec.value(ec.fields[ec.time], line, ec.timeName); err != nil {
		return 0, 0, err
	}
	if m, err = ec.value(ec.fields[ec.mag], line, ec.magName); err != nil {
		return 0, 0, err
	}
	return t, m, nil
}

// parseFast parses a row in one pass when it is plain: no quotes, no spaces,
// the right number of fields, and time and magnitude made of at most 15
// digits with an optional decimal point (see parseFloat). It reports false
// for any other row, which parse then handles in full, errors included.
func (ec *eventColumns) parseFast(row []byte) (t, m float64, ok bool) {
	if ec.n > 2 && bytes.IndexByte(row, '"') >= 0 {
		return 0, 0, false // a quoted skipped field may hide a comma
	}
	i := 0
	for f := 0; f < ec.n; f++ {
		if f == ec.time || f == ec.mag {
			var mant uint64
			nd, frac := 0, -1
			for ; i < len(row); i++ {
				c := row[i]
				if d := c - '0'; d < 10 {
					mant = mant*10 + uint64(d)
					nd++
					if frac >= 0 {
						frac++
					}
					continue
				}
				if c == '.' && frac < 0 {
					frac = 0
					continue
				}
				break
			}
			if nd == 0 || nd > 15 {
				return 0, 0, false
			}
			v := float64(mant)
			if frac > 0 {
				v /= pow10[frac]
			}
			if f == ec.time {
				t = v
			} else {
				m = v
			}
		} else if j := bytes.IndexByte(row[i:], ','); j >= 0 {
			i += j
		} else {
			i = len(row)
		}
		// i is at the end of field f: it must be a comma, or the end of the
		// row for the last field.
		if i == len(row) {
			return t, m, f == ec.n-1
		}
		if row[i] != ',' || f == ec.n-1 {
			return 0, 0, false
		}
		i++
	}
	return 0, 0, false // not reached: the loop returns at the last field
}

func (ec *eventColumns) value(f []byte, line int, column string) (float64, error) {
	v, err := parseFloat(f)
	switch {
	case err == ErrMissingValue:
		return 0, &ParseError{File: ec.file, Line: line, Column: column, Err: err}
	case err != nil:
		return 0, parseErr(ec.file, line, column, err, "(%s)", quoteField(f))
	case v < 0:
		return 0, parseErr(ec.file, line, column, ErrNegative, "(%s)", formatFloat(v))
	}
	return v, nil
}

// formatFloat formats v the way the writer does: whole numbers below 2^63 in
// magnitude as integers, everything else with the shortest 'g' form that
// reads back exactly.
func formatFloat(v float64) string { return string(appendFloat(nil, v)) }

func appendFloat(dst []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
		return strconv.AppendInt(dst, int64(v), 10)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}
