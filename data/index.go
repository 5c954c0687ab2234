package data

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// secondsPerDay converts post_time_day to seconds.
const secondsPerDay = 86400

// IndexEntry is one row of an index file: the data rows of one cascade.
type IndexEntry struct {
	// ID is the id column, or the 1-based position of the entry in the index
	// when the file has no id column.
	ID string
	// Start is the absolute start time of the cascade in seconds, from a
	// post_time_day (times 86400), start_time or post_time column. HasStart
	// tells whether the index had such a column.
	Start    float64
	HasStart bool
	// StartInd and EndInd are the first and last data row of the cascade:
	// 1-based, inclusive, not counting the header or blank lines.
	StartInd, EndInd int
	// File and Line locate the entry in the index file, for error messages.
	// They are zero for entries built by hand.
	File string
	Line int
}

// Len returns the number of events of the entry's cascade.
func (e *IndexEntry) Len() int { return e.EndInd - e.StartInd + 1 }

// where returns the file name and line to report for the entry.
func (e *IndexEntry) where() (string, int) {
	if e.File == "" {
		return "index", e.Line
	}
	return e.File, e.Line
}

// ReadIndex reads an index file from r; name is the file name used in
// errors. The header must name the columns start_ind and end_ind; id and one
// of post_time_day (days), start_time or post_time (seconds) are optional,
// and other columns are ignored. Column names are matched without regard to
// case. The entries are returned in file order; their ranges are checked to be
// well formed (1 <= start_ind <= end_ind) and not to overlap, and ids to be
// unique. Whether the ranges fit the data file is checked by ReadEvents.
// An index with a header and no rows is valid and gives no entries.
func ReadIndex(r io.Reader, name string) ([]IndexEntry, error) {
	lr := newLineReader(r, name)
	names, err := lr.header()
	if err != nil {
		return nil, err
	}
	hl := lr.line
	startCol, err := requireColumn(name, hl, names, startIndColumns)
	if err != nil {
		return nil, err
	}
	endCol, err := requireColumn(name, hl, names, endIndColumns)
	if err != nil {
		return nil, err
	}
	idCol, err := findColumn(name, hl, names, idColumns...)
	if err != nil {
		return nil, err
	}
	dayCol, err := findColumn(name, hl, names, dayColumns...)
	if err != nil {
		return nil, err
	}
	secCol, err := findColumn(name, hl, names, secondColumns...)
	if err != nil {
		return nil, err
	}
	if dayCol >= 0 && secCol >= 0 {
		return nil, parseErr(name, hl, names[secCol], ErrDuplicateColumn, "(also column %d, %s)", dayCol+1, names[dayCol])
	}

	var (
		entries []IndexEntry
		fields  [][]byte
		seen    map[string]int // id -> line
	)
	if idCol >= 0 {
		seen = make(map[string]int)
	}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		ln := lr.line
		if fields, err = splitFields(line, fields); err != nil {
			return nil, &ParseError{File: name, Line: ln, Err: err}
		}
		if len(fields) != len(names) {
			return nil, parseErr(name, ln, "", ErrFieldCount, "(%d, the header has %d)", len(fields), len(names))
		}
		e := IndexEntry{File: name, Line: ln}
		if e.StartInd, err = indexInt(name, ln, names[startCol], fields[startCol]); err != nil {
			return nil, err
		}
		if e.EndInd, err = indexInt(name, ln, names[endCol], fields[endCol]); err != nil {
			return nil, err
		}
		if idCol >= 0 {
			e.ID = string(fields[idCol])
			if e.ID == "" || strings.ContainsAny(e.ID, "\r\n") {
				return nil, parseErr(name, ln, names[idCol], ErrBadID, "(%s)", quoteField(fields[idCol]))
			}
			if first, dup := seen[e.ID]; dup {
				return nil, parseErr(name, ln, names[idCol], ErrDuplicateID, "%s (first on line %d)", quoteField(fields[idCol]), first)
			}
			seen[e.ID] = ln
		} else {
			e.ID = strconv.Itoa(len(entries) + 1)
		}
		if dayCol >= 0 || secCol >= 0 {
			col, scale := secCol, 1.0
			if dayCol >= 0 {
				col, scale = dayCol, secondsPerDay
			}
			f := fields[col]
			v, err := parseFloat(f)
			if err == nil && math.IsInf(v*scale, 0) {
				err = ErrNotFinite
			}
			if err == ErrMissingValue {
				return nil, &ParseError{File: name, Line: ln, Column: names[col], Err: err}
			}
			if err != nil {
				return nil, parseErr(name, ln, names[col], err, "(%s)", quoteField(f))
			}
			e.Start, e.HasStart = v*scale, true
		}
		entries = append(entries, e)
	}
	if _, err := checkIndex(entries); err != nil {
		return nil, err
	}
	return entries, nil
}

func indexInt(file string, line int, column string, f []byte) (int, error) {
	v, err := parseInt(f)
	switch {
	case err == ErrMissingValue:
		return 0, &ParseError{File: file, Line: line, Column: column, Err: err}
	case err != nil:
		return 0, parseErr(file, line, column, err, "(%s)", quoteField(f))
	}
	return v, nil
}

// checkIndex checks that every range is well formed and that no two ranges
// overlap. It returns the positions of the entries sorted by StartInd.
func checkIndex(entries []IndexEntry) ([]int, error) {
	for i := range entries {
		e := &entries[i]
		file, line := e.where()
		if e.StartInd < 1 {
			return nil, parseErr(file, line, "start_ind", ErrRange, "(start_ind %d < 1)", e.StartInd)
		}
		if e.StartInd > e.EndInd {
			return nil, parseErr(file, line, "end_ind", ErrInverted, "(start_ind %d > end_ind %d)", e.StartInd, e.EndInd)
		}
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	byStart := func(a, b int) int {
		if c := cmp.Compare(entries[a].StartInd, entries[b].StartInd); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	if !slices.IsSortedFunc(order, byStart) {
		slices.SortFunc(order, byStart)
	}
	// If any two ranges overlap, two neighbours in start order do.
	for k := 1; k < len(order); k++ {
		a, b := &entries[order[k-1]], &entries[order[k]]
		if b.StartInd > a.EndInd {
			continue
		}
		if b.Line < a.Line {
			a, b = b, a
		}
		file, line := b.where()
		return nil, parseErr(file, line, "start_ind", ErrOverlap, "(rows %d-%d overlap rows %d-%d%s)",
			b.StartInd, b.EndInd, a.StartInd, a.EndInd, onLine(a.Line))
	}
	return order, nil
}

func onLine(line int) string {
	if line <= 0 {
		return ""
	}
	return fmt.Sprintf(" on line %d", line)
}
