package data

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// dataSet writes data.csv and index.csv into a new folder and returns it.
func dataSet(t *testing.T, dataCSV, indexCSV string) string {
	t.Helper()
	dir := t.TempDir()
	for name, s := range map[string]string{"data.csv": dataCSV, "index.csv": indexCSV} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Hostile: a data.csv or index.csv line of 1 MiB, 16 times MaxLineBytes, alone or between rows -> *ParseError ErrLineTooLong naming the file and line, the line never held in memory
func TestHostileDataHugeLine(t *testing.T) {
	huge := strings.Repeat("1", 16*MaxLineBytes)
	const index = "id,start_ind,end_ind\na,1,2\n"
	const data = "time,magnitude\n0,1\n5,2\n"
	for _, tc := range []struct {
		name, data, index, file string
		line                    int
	}{
		{"data.csv of one line", huge, index, "data.csv", 1},
		{"data.csv row", "time,magnitude\n0,1\n" + huge + "\n5,2\n", index, "data.csv", 3},
		{"index.csv of one line", data, huge, "index.csv", 1},
		{"index.csv row", data, "id,start_ind,end_ind\n" + huge + ",1,2\n", "index.csv", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := dataSet(t, tc.data, tc.index)
			var err error
			n := allocated(func() { _, err = LoadDir(context.Background(), dir) })
			checkParseError(t, err, ErrLineTooLong, filepath.Join(dir, tc.file), tc.line, "")
			// The read buffers of the two files (MaxLineBytes each) and
			// little else: the line itself is never held.
			if limit := uint64(3 * MaxLineBytes); n > limit {
				t.Errorf("loading allocated %d bytes, want at most %d", n, limit)
			}
		})
	}
	_, err := ReadSingleFrom(strings.NewReader("time,magnitude\n"+huge), "one.csv")
	checkParseError(t, err, ErrLineTooLong, "one.csv", 2, "")
}

// Hostile: data.csv or index.csv a link to /dev/zero, an endless device without line ends -> *ParseError ErrLineTooLong on line 1 after reading MaxLineBytes
func TestHostileDataEndlessDevice(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	for _, name := range []string{"data.csv", "index.csv"} {
		t.Run(name, func(t *testing.T) {
			dir := dataSet(t, "time,magnitude\n0,1\n", "id,start_ind,end_ind\na,1,1\n")
			path := filepath.Join(dir, name)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
			var err error
			n := allocated(func() { _, err = LoadDir(context.Background(), dir) })
			checkParseError(t, err, ErrLineTooLong, path, 1, "")
			if limit := uint64(3 * MaxLineBytes); n > limit {
				t.Errorf("loading allocated %d bytes, want at most %d", n, limit)
			}
		})
	}
}

// endlessReader returns blank lines without end, and calls onRead before
// each read.
type endlessReader struct {
	prefix string
	reads  int
	onRead func(reads int)
}

func (r *endlessReader) Read(p []byte) (int, error) {
	r.reads++
	r.onRead(r.reads)
	n := copy(p, r.prefix)
	r.prefix = r.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = '\n'
	}
	return len(p), nil
}

// Hostile: Ctrl-C while loading a data.csv or index.csv of endless blank lines (no row to count), before or after the header -> the load stops at the next read with context.Canceled, naming the file
func TestHostileDataCancelledMidFile(t *testing.T) {
	index := []IndexEntry{{ID: "a", StartInd: 1, EndInd: 1}}
	for _, prefix := range []string{"", "time,magnitude\n", "time,magnitude\n0,1\n"} {
		ctx, cancel := context.WithCancel(context.Background())
		r := &endlessReader{prefix: prefix, onRead: func(n int) {
			if n == 3 {
				cancel() // Ctrl-C during the third read
			}
		}}
		// An index of one cascade of one row: the blank lines come before
		// its row, or after it for the last prefix, where reading stops.
		_, err := ReadEvents(ctx, r, "data.csv", index)
		cancel()
		if prefix == "time,magnitude\n0,1\n" {
			if err != nil {
				t.Errorf("prefix %q: %v, want the cascade read before the blank lines", prefix, err)
			}
			continue
		}
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "read data.csv line ") {
			t.Errorf("prefix %q: error %v, want context.Canceled naming data.csv", prefix, err)
		}
		if r.reads != 3 {
			t.Errorf("prefix %q: %d reads, want 3 (the last one cancelled)", prefix, r.reads)
		}
	}

	// Through Load, for the index, which ReadIndex reads without a context.
	dir := dataSet(t, "time,magnitude\n0,1\n", strings.Repeat("\n", 4*MaxLineBytes))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadDir(ctx, dir); !errors.Is(err, context.Canceled) {
		t.Errorf("LoadDir with a cancelled context: %v, want context.Canceled", err)
	}
}

// Hostile: a folder given as data.csv, index.csv or a single-cascade file -> *ParseError ErrNotFile naming it
func TestHostileDataDirectory(t *testing.T) {
	for _, name := range []string{"data.csv", "index.csv"} {
		dir := dataSet(t, "time,magnitude\n0,1\n", "id,start_ind,end_ind\na,1,1\n")
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(path, 0o777); err != nil {
			t.Fatal(err)
		}
		_, err := LoadDir(context.Background(), dir)
		checkParseErrorNoLine(t, err, ErrNotFile)
		if err == nil || err.Error() != path+": not a file (a folder)" {
			t.Errorf("%s a folder: error %v", name, err)
		}
	}
	_, err := ReadSingle(t.TempDir())
	checkParseErrorNoLine(t, err, ErrNotFile)
}

// Hostile: Ctrl-C while Load waits on a data.csv that is a named pipe nobody writes to -> the read is woken and Load returns context.Canceled
func TestHostileDataCancelledPipe(t *testing.T) {
	dir := dataSet(t, "time,magnitude\n0,1\n", "id,start_ind,end_ind\na,1,1\n")
	path := filepath.Join(dir, "data.csv")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	w := mkfifo(t, path) // held open, never written to
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := LoadDir(ctx, dir)
		done <- err
	}()
	// Ctrl-C some time later; the load is waiting for the pipe's first byte,
	// and would wait for ever.
	time.AfterFunc(50*time.Millisecond, cancel)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v, want context.Canceled naming %s", err, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load still waits on the pipe 10 s after the context was cancelled")
	}
}
