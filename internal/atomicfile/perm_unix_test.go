//go:build unix

package atomicfile

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// withUmask runs f with the process's umask set to mask. The umask is
// process-wide: tests that call it must not run in parallel.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// New files get 0666 less the umask, as with os.Create, not the 0600 of
// os.CreateTemp; a replaced file keeps its permissions.
func TestPermissions(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o002, 0o664}, {0o077, 0o600}} {
		path := filepath.Join(dir, "f")
		os.Remove(path)
		withUmask(tt.umask, func() {
			if err := WriteFile(path, []byte("x")); err != nil {
				t.Fatal(err)
			}
		})
		if got := perm(t, path); got != tt.want {
			t.Errorf("umask %03o: new file %03o, want %03o", tt.umask, got, tt.want)
		}
	}

	path := filepath.Join(dir, "kept")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	withUmask(0o022, func() {
		if err := WriteFile(path, []byte("y")); err != nil {
			t.Fatal(err)
		}
	})
	if got := perm(t, path); got != 0o640 {
		t.Errorf("replaced file %03o, want its old 0640", got)
	}

	// WriteDir: a new folder gets 0777 less the umask, its files 0666 less it.
	set := filepath.Join(dir, "set")
	withUmask(0o027, func() {
		err := WriteDir(set, []string{"a"}, func(ws []io.Writer) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
	})
	if got := perm(t, set); got != 0o750 {
		t.Errorf("new folder %03o, want 0750", got)
	}
	if got := perm(t, filepath.Join(set, "a")); got != 0o640 {
		t.Errorf("file of a new folder %03o, want 0640", got)
	}
}

// WriteDir keeps the permissions of the files it replaces in a folder.
func TestWriteDirKeepsPermissions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	withUmask(0o022, func() {
		if err := WriteDir(dir, []string{"a", "b"}, func([]io.Writer) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
	if got := perm(t, filepath.Join(dir, "a")); got != 0o600 {
		t.Errorf("replaced file %03o, want its old 0600", got)
	}
	if got := perm(t, filepath.Join(dir, "b")); got != 0o644 {
		t.Errorf("new file %03o, want 0644", got)
	}
}
