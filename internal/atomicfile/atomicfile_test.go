package atomicfile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// names lists the entries of dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range ents {
		s = append(s, e.Name())
	}
	return s
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := WriteFile(path, []byte("one\n")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "one\n" {
		t.Errorf("file holds %q, want %q", got, "one\n")
	}
	// Replacing it, in several writes larger than the buffer.
	big := strings.Repeat("x", 3*bufSize+7)
	err := Write(path, func(w io.Writer) error {
		for range 3 {
			if _, err := io.WriteString(w, big); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != big+big+big {
		t.Errorf("file holds %d bytes, want %d", len(got), 3*len(big))
	}
	if got := names(t, dir); !slices.Equal(got, []string{"out.csv"}) {
		t.Errorf("folder holds %v, want out.csv only", got)
	}
}

// A failure part way, of the write function or of the context it watches,
// leaves the previous file as it was and no temporary file.
func TestWriteFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.hkrf")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for _, cause := range []error{boom, context.Canceled} {
		err := Write(path, func(w io.Writer) error {
			io.WriteString(w, strings.Repeat("new", bufSize)) // reaches the file
			return cause
		})
		if err != cause {
			t.Errorf("error %v, want %v returned as it is", err, cause)
		}
		if got := readString(t, path); got != "old" {
			t.Errorf("after %v the file holds %.20q, want %q", cause, got, "old")
		}
		if got := names(t, dir); !slices.Equal(got, []string{"model.hkrf"}) {
			t.Errorf("after %v the folder holds %v", cause, got)
		}
	}
	// Nor does a write function that fails when nothing exists yet create
	// anything.
	if err := Write(filepath.Join(dir, "new"), func(io.Writer) error { return boom }); err != boom {
		t.Errorf("error %v, want %v", err, boom)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"model.hkrf"}) {
		t.Errorf("the folder holds %v", got)
	}
}

// A failing rename leaves the old file, no temporary file, and an error that
// names the target.
func TestWriteRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	defer func(r func(string, string) error) { rename = r }(rename)
	rename = func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EXDEV}
	}
	err := WriteFile(path, []byte("new"))
	if !errors.Is(err, syscall.EXDEV) || err.Error() != "write "+path+": "+syscall.EXDEV.Error() {
		t.Errorf("error %v, want write %s: %v", err, path, syscall.EXDEV)
	}
	if got := readString(t, path); got != "old" {
		t.Errorf("file holds %q, want old", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"f"}) {
		t.Errorf("folder holds %v", got)
	}
}

// Errors name the target, not the temporary file, and keep their cause.
func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "f.csv")
	err := WriteFile(missing, nil)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "write "+missing+": no such file or directory" {
		t.Errorf("missing folder: error %v", err)
	}
	if err := Check(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Check of a missing folder: %v", err)
	}

	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o777); err != nil {
		t.Fatal(err)
	}
	ran := false
	err = Write(sub, func(io.Writer) error { ran = true; return nil })
	if !errors.Is(err, syscall.EISDIR) || err.Error() != "write "+sub+": is a directory" {
		t.Errorf("folder as target: error %v", err)
	}
	if ran {
		t.Error("the write function ran for a folder")
	}
	if err := Check(sub); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("Check of a folder: %v", err)
	}
	if err := Check(filepath.Join(dir, "ok.csv")); err != nil {
		t.Errorf("Check of a writable path: %v", err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"sub"}) {
		t.Errorf("Check left %v", got)
	}
}

func TestWriteDirNew(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "a", "set")
	if err := CheckDir(dir, []string{"x", "y"}); err != nil {
		t.Fatalf("CheckDir: %v", err)
	}
	if got := names(t, parent); len(got) != 0 {
		t.Fatalf("CheckDir left %v", got)
	}
	err := WriteDir(dir, []string{"x", "y"}, func(ws []io.Writer) error {
		io.WriteString(ws[0], "X")
		io.WriteString(ws[1], "Y")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("dir holds %v", got)
	}
	if readString(t, filepath.Join(dir, "x")) != "X" || readString(t, filepath.Join(dir, "y")) != "Y" {
		t.Error("wrong contents")
	}
	if got := names(t, filepath.Join(parent, "a")); !slices.Equal(got, []string{"set"}) {
		t.Errorf("temporary folder left beside dir: %v", got)
	}
}

// writeSet writes the set {x, y} holding v into dir.
func writeSet(dir, v string) error {
	return WriteDir(dir, []string{"x", "y"}, func(ws []io.Writer) error {
		for _, w := range ws {
			if _, err := io.WriteString(w, v); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkSet(t *testing.T, dir, want string, others ...string) {
	t.Helper()
	wantNames := append([]string{"x", "y"}, others...)
	if want == "" {
		wantNames = others
	}
	slices.Sort(wantNames)
	if got := names(t, dir); !slices.Equal(got, wantNames) {
		t.Fatalf("dir holds %v, want %v", got, wantNames)
	}
	if want == "" {
		return
	}
	for _, n := range []string{"x", "y"} {
		if got := readString(t, filepath.Join(dir, n)); got != want {
			t.Errorf("%s holds %q, want %q", n, got, want)
		}
	}
}

func TestWriteDirReplace(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "other"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := writeSet(dir, "1"); err != nil {
		t.Fatal(err)
	}
	checkSet(t, dir, "1", "other")
	if err := writeSet(dir, "2"); err != nil {
		t.Fatal(err)
	}
	checkSet(t, dir, "2", "other")

	// A failing write function leaves the old set and no temporary folder.
	boom := errors.New("boom")
	err := WriteDir(dir, []string{"x", "y"}, func(ws []io.Writer) error {
		io.WriteString(ws[0], strings.Repeat("3", 2*bufSize))
		return boom
	})
	if err != boom {
		t.Errorf("error %v, want %v", err, boom)
	}
	checkSet(t, dir, "2", "other")

	// A name that is a folder is an error before anything is written.
	if err := os.Mkdir(filepath.Join(dir, "z"), 0o777); err != nil {
		t.Fatal(err)
	}
	ran := false
	err = WriteDir(dir, []string{"x", "z"}, func([]io.Writer) error { ran = true; return nil })
	if !errors.Is(err, syscall.EISDIR) || ran {
		t.Errorf("folder among the names: error %v, write ran %v", err, ran)
	}
	if err := CheckDir(dir, []string{"x", "z"}); !errors.Is(err, syscall.EISDIR) {
		t.Errorf("CheckDir with a folder among the names: %v", err)
	}
	checkSet(t, dir, "2", "other", "z")
}

// Hostile: a rename that fails while simulate's set (or any WriteDir set) replaces the previous one, at any of its steps -> the error names the target, and the folder holds the previous set whole, not a mix and not an empty set
func TestHostileWriteDirRenameFails(t *testing.T) {
	defer func(r func(string, string) error) { rename = r }(rename)
	// Renames: x aside, new x in, y aside, new y in.
	for _, failAt := range []int{0, 1, 2, 3} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "other"), nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := writeSet(dir, "old"); err != nil {
			t.Fatal(err)
		}
		calls := 0
		rename = func(from, to string) error {
			calls++
			if calls-1 == failAt {
				return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EIO}
			}
			return os.Rename(from, to)
		}
		err := writeSet(dir, "new")
		rename = os.Rename
		if !errors.Is(err, syscall.EIO) {
			t.Errorf("rename %d fails: error %v", failAt, err)
		}
		checkSet(t, dir, "old", "other")
	}
}

func TestWriteDirNotAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "below")} {
		if err := writeSet(dir, "v"); !errors.Is(err, syscall.ENOTDIR) {
			t.Errorf("WriteDir(%s): error %v, want ENOTDIR", dir, err)
		}
		if err := CheckDir(dir, []string{"x"}); !errors.Is(err, syscall.ENOTDIR) {
			t.Errorf("CheckDir(%s): error %v, want ENOTDIR", dir, err)
		}
	}
}
