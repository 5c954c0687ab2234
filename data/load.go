package data

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ctxCheckRows is how often (in data rows) the readers check their context.
const ctxCheckRows = 1 << 16

// LoadDir loads the cascades of a data set stored as dir/data.csv and
// dir/index.csv. See Load.
func LoadDir(ctx context.Context, dir string) ([]Cascade, error) {
	return Load(ctx, filepath.Join(dir, "data.csv"), filepath.Join(dir, "index.csv"))
}

// Load loads the cascades of a data set from an event file and an index file
// (see the package documentation for their formats). The cascades come out in
// index order. Errors about the contents of either file are *ParseError values
// that name the file as given here.
func Load(ctx context.Context, dataPath, indexPath string) ([]Cascade, error) {
	f, err := os.Open(indexPath)
	if err != nil {
		return nil, fmt.Errorf("load cascades: %w", err)
	}
	index, err := ReadIndex(f, indexPath)
	f.Close() // read only: a close error cannot lose data
	if err != nil {
		return nil, err
	}
	f, err = os.Open(dataPath)
	if err != nil {
		return nil, fmt.Errorf("load cascades: %w", err)
	}
	defer f.Close()
	return ReadEvents(ctx, f, dataPath, index)
}

// ReadEvents reads an event file from r and cuts it into the cascades of
// index, returned in index order; name is the file name used in errors. The
// header must name a time column (time or relative_time_second) and a
// magnitude column (magnitude or number_of_followers); other columns are
// ignored. Column names are matched without regard to case.
//
// Rows are numbered from 1 after the header; blank lines are skipped and not
// counted. Rows that fall in no index range are skipped without being parsed,
// and reading stops after the last row that some range covers. Every row of a
// cascade must hold finite, non-negative numbers, and times must not decrease
// inside a cascade. An index range that ends after the last row is an
// ErrRange error reported on the index entry's line.
//
// The numbers are parsed straight into two backing arrays, one for times and
// one for magnitudes, and each cascade's Times and Mags are sub-slices of them
// whose capacity ends at their length. ctx is checked every 65,536 rows.
func ReadEvents(ctx context.Context, r io.Reader, name string, index []IndexEntry) ([]Cascade, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	order, err := checkIndex(index)
	if err != nil {
		return nil, err
	}
	lr := newLineReader(r, name)
	names, err := lr.header()
	if err != nil {
		return nil, err
	}
	ec, err := newEventColumns(name, lr.line, names)
	if err != nil {
		return nil, err
	}

	hint := capacityHint(r, index)
	times := make([]float64, 0, hint)
	mags := make([]float64, 0, hint)
	row, k := 0, 0
	var prev float64
	for k < len(order) {
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
		row++
		if row%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("read %s line %d: %w", name, lr.line, err)
			}
		}
		e := &index[order[k]]
		if row < e.StartInd {
			continue // a gap between ranges
		}
		t, m, err := ec.parse(line, lr.line)
		if err != nil {
			return nil, err
		}
		if row > e.StartInd && t < prev {
			return nil, parseErr(name, lr.line, ec.timeName, ErrBackwards, "inside cascade %s (%s after %s)",
				e.ID, formatFloat(t), formatFloat(prev))
		}
		prev = t
		times = append(times, t)
		mags = append(mags, m)
		if row == e.EndInd {
			k++
		}
	}
	if k < len(order) {
		e := &index[order[k]]
		file, line := e.where()
		column := "end_ind"
		if e.StartInd > row {
			column = "start_ind"
		}
		return nil, parseErr(file, line, column, ErrRange, "(rows %d-%d, %s has %d data rows)", e.StartInd, e.EndInd, name, row)
	}

	cs := make([]Cascade, len(index))
	off := 0
	for _, i := range order {
		e := &index[i]
		end := off + e.Len()
		cs[i] = Cascade{
			ID:       e.ID,
			Start:    e.Start,
			HasStart: e.HasStart,
			Times:    times[off:end:end],
			Mags:     mags[off:end:end],
		}
		off = end
	}
	return cs, nil
}

// capacityHint returns the capacity to give the backing arrays: the number of
// rows the index needs, but no more than the data could hold when its size is
// known (a row takes at least 4 bytes, "0,0\n"), so that a broken index cannot
// make the reader allocate without bound.
func capacityHint(r io.Reader, index []IndexEntry) int {
	limit := 1 << 16 // unknown size: start small and let append grow
	switch v := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			limit = int(fi.Size()/4) + 1
		}
	case interface{ Len() int }:
		limit = v.Len()/4 + 1
	}
	total := 0
	for i := range index {
		total += index[i].Len()
		if total >= limit || total < 0 {
			return limit
		}
	}
	return total
}
