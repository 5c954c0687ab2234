package data

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// LoadDir loads the cascades of a data set stored as dir/data.csv and
// dir/index.csv. See Load.
func LoadDir(ctx context.Context, dir string) ([]Cascade, error) {
	return Load(ctx, filepath.Join(dir, "data.csv"), filepath.Join(dir, "index.csv"))
}

// Load loads the cascades of a data set from an event file and an index file
// (see the package documentation for their formats). The cascades come out in
// index order. Errors about the contents of either file are *ParseError values
// that name the file as given here; a path that names a folder is one too,
// wrapping ErrNotFile. Both files are read under ctx: once it is done, Load
// returns its error (wrapped, naming the file and line) at the next read of
// either file, and a read that waits on a pipe is woken.
func Load(ctx context.Context, dataPath, indexPath string) ([]Cascade, error) {
	f, err := openFile(ctx, indexPath, "load cascades")
	if err != nil {
		return nil, err
	}
	index, err := ReadIndex(&ctxReader{ctx: ctx, r: f}, indexPath)
	f.Close() // read only: a close error cannot lose data
	if err != nil {
		return nil, err
	}
	f, err = openFile(ctx, dataPath, "load cascades")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadEvents(ctx, f, dataPath, index)
}

// openFile opens the file at path for reading, wrapping its errors with
// doing (e.g. "load cascades"), and refusing a folder with a
// *ParseError wrapping ErrNotFile (reading one would fail with a bare "is a
// directory"). Devices and pipes are read like files: the line bound
// (MaxLineBytes) and ctx stop one that does not end. Until the file is
// closed, ctx being done sets its read deadline, which wakes a read that
// waits on a pipe; regular files, which have no deadline, do not block, and
// ctxReader checks ctx between their reads.
func openFile(ctx context.Context, path, doing string) (*inputFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, parseErr(path, 0, "", ErrNotFile, "(a folder)")
	}
	stop := context.AfterFunc(ctx, func() {
		_ = f.SetReadDeadline(time.Now()) // fails on regular files, which do not block
	})
	return &inputFile{File: f, stop: stop}, nil
}

// inputFile is a file opened by openFile.
type inputFile struct {
	*os.File
	stop func() bool
}

// Close stops watching the context and closes the file.
func (f *inputFile) Close() error {
	f.stop()
	return f.File.Close()
}

// ctxReader reads from r until ctx is done, and then returns ctx's error:
// before each read, and in place of the error of a read that failed because
// of it (a deadline set by openFile).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		if cerr := c.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
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
// Lines are at most MaxLineBytes long. ctx is checked before each read of r
// (every 64 KiB at most), whatever the file holds: once it is done,
// ReadEvents returns its error, wrapped with the file and line.
//
// The numbers are parsed straight into two backing arrays, one for times and
// one for magnitudes, and each cascade's Times and Mags are sub-slices of them
// whose capacity ends at their length.
func ReadEvents(ctx context.Context, r io.Reader, name string, index []IndexEntry) ([]Cascade, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	order, err := checkIndex(index)
	if err != nil {
		return nil, err
	}
	lr := newLineReader(&ctxReader{ctx: ctx, r: r}, name)
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
