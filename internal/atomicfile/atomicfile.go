// Package atomicfile writes files whole or not at all: every file hawkes
// writes is first written under a temporary name beside its target, synced,
// and renamed over the target only once complete, so that a run that fails or
// is interrupted leaves the previous file as it was and no partial one.
//
// Permissions are those os.Create gives: a new file gets 0666 less the
// process's umask, and a file that is replaced keeps its permission bits.
// Every error of this package, from Check and CheckDir as from the writes, is
// an *fs.PathError with Op "write" that names the target, never the temporary
// file, and keeps the underlying error, so errors.Is(err, fs.ErrNotExist) and
// fs.ErrPermission still work, and a caller can tell an output that cannot be
// written from its own failures. Write and WriteDir return the errors of
// their write function as they are.
//
// The rename replaces a symbolic link at the target rather than the file it
// points to.
package atomicfile

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// bufSize is the size of the buffer between the write function and the file.
const bufSize = 64 << 10

// Write creates or replaces the file at path with what write writes to w. The
// bytes go to a temporary file in path's folder, which is synced and renamed
// to path once write has returned nil. If write returns an error, or writing,
// syncing or renaming fails, the temporary file is removed, the file at path
// (if any) is left untouched, and Write returns that error; an error of write
// itself is returned as it is. A write function that watches a context
// should return the context's error when it is done.
//
// w is buffered; write must not keep it after returning. path must not name
// a folder.
func Write(path string, write func(w io.Writer) error) (err error) {
	keep, err := checkTarget(path)
	if err != nil {
		return err
	}
	f, err := createTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return pathError(path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()           // may be closed already; the first error is what counts
			_ = os.Remove(f.Name()) // leave no temporary file behind
		}
	}()
	if keep != nil {
		if err := f.Chmod(keep.Mode().Perm()); err != nil {
			return pathError(path, err)
		}
	}
	bw := bufio.NewWriterSize(&targetWriter{f: f, path: path}, bufSize)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := commitFile(f, path); err != nil {
		return err
	}
	if err := rename(f.Name(), path); err != nil {
		return pathError(path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// WriteFile writes b to the file at path as Write does.
func WriteFile(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteDir writes a set of files that belong together, such as the data.csv
// and index.csv of a data set, into the folder dir, creating it if needed.
// write gets one buffered writer per name, in the order of names, and must
// not keep them after returning.
//
// The files are written in a temporary folder: beside dir when dir does not
// exist yet, and then renamed to dir, which is atomic; inside dir when it
// exists (so that a folder where the user may write but whose parent is not
// writable still works), and then each file is renamed over its target,
// keeping the permissions of the file it replaces. On
// an error of write, or while writing the temporary files, the temporary
// folder is removed and dir is left as it was. The names are checked before
// anything is moved (none may be a folder), so the renames rarely fail; the
// files they replace are first moved aside into the temporary folder, and
// if a rename fails the new files are removed and the old ones put back, so
// that dir holds the previous set, never a mix of two. Only a crash between
// two renames can leave a mix, the previous files then being in the
// temporary folder. Other files in dir are never touched.
func WriteDir(dir string, names []string, write func(ws []io.Writer) error) (err error) {
	exists, keep, err := checkDir(dir, names)
	if err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	var tmp string
	if exists {
		tmp, err = mkdirTemp(dir, ".tmp-")
	} else {
		if err := os.MkdirAll(parent, 0o777); err != nil {
			return pathError(dir, err)
		}
		tmp, err = mkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	}
	if err != nil {
		return pathError(dir, err)
	}
	defer func() {
		if tmp != "" {
			_ = os.RemoveAll(tmp) // what is left of the temporary folder
		}
	}()

	files := make([]*os.File, len(names))
	defer func() {
		for _, f := range files {
			if f != nil {
				_ = f.Close() // closed already unless an error came first
			}
		}
	}()
	ws := make([]io.Writer, len(names))
	bws := make([]*bufio.Writer, len(names))
	for i, name := range names {
		f, err := os.OpenFile(filepath.Join(tmp, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err != nil {
			return pathError(filepath.Join(dir, name), err)
		}
		files[i] = f
		if keep != nil && keep[i] != nil {
			if err := f.Chmod(keep[i].Mode().Perm()); err != nil {
				return pathError(filepath.Join(dir, name), err)
			}
		}
		bws[i] = bufio.NewWriterSize(&targetWriter{f: f, path: filepath.Join(dir, name)}, bufSize)
		ws[i] = bws[i]
	}
	if err := write(ws); err != nil {
		return err
	}
	for i, name := range names {
		if err := bws[i].Flush(); err != nil {
			return err
		}
		if err := commitFile(files[i], filepath.Join(dir, name)); err != nil {
			return err
		}
		files[i] = nil
	}
	syncDir(tmp)

	if !exists {
		if err := rename(tmp, dir); err == nil {
			tmp = ""
			syncDir(parent)
			return nil
		} else if _, serr := os.Stat(dir); serr != nil {
			return pathError(dir, err)
		}
		// dir was created meanwhile: move the files into it.
		if _, _, err := checkDir(dir, names); err != nil {
			return err
		}
	}
	if err := swapSet(dir, tmp, names); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// swapSet moves the files names from the folder tmp, which is inside dir,
// into dir, one name at a time: the file it replaces first goes to tmp/.old,
// then the new one takes its place. If a rename fails, the new files moved
// so far are removed and the old ones put back, so that dir holds the
// previous set, and the error names the target.
func swapSet(dir, tmp string, names []string) error {
	old := filepath.Join(tmp, ".old")
	if err := os.Mkdir(old, 0o777); err != nil {
		return pathError(dir, err)
	}
	var saved, placed []string // names whose old file is in old, whose new one is in dir
	undo := func() {
		for _, name := range placed {
			_ = os.Remove(filepath.Join(dir, name))
		}
		for _, name := range saved {
			_ = rename(filepath.Join(old, name), filepath.Join(dir, name))
		}
	}
	for _, name := range names {
		target := filepath.Join(dir, name)
		err := rename(target, filepath.Join(old, name))
		switch {
		case err == nil:
			saved = append(saved, name)
		case !errors.Is(err, fs.ErrNotExist):
			undo()
			return pathError(target, err)
		}
		if err := rename(filepath.Join(tmp, name), target); err != nil {
			undo()
			return pathError(target, err)
		}
		placed = append(placed, name)
	}
	return nil
}

// Check reports whether Write could write the file at path, before work
// whose result goes there starts: path must not name a folder, and its folder
// must exist and let a file be created, which Check tries with a temporary
// file it removes. The error is that Write would return.
func Check(path string) error {
	if _, err := checkTarget(path); err != nil {
		return err
	}
	return probe(filepath.Dir(path), path)
}

// CheckDir reports whether WriteDir could write the files names into dir:
// dir must be a folder or not exist yet (its closest existing ancestor then
// being a folder), no name may be a folder in dir, and the folder where
// WriteDir makes its temporary folder must let a file be created, which
// CheckDir tries with a temporary file it removes.
func CheckDir(dir string, names []string) error {
	exists, _, err := checkDir(dir, names)
	if err != nil {
		return err
	}
	if exists {
		return probe(dir, dir)
	}
	// The closest existing ancestor, where MkdirAll will start.
	anc := filepath.Dir(filepath.Clean(dir))
	for {
		fi, err := os.Stat(anc)
		if err == nil {
			if !fi.IsDir() {
				return pathError(dir, syscall.ENOTDIR)
			}
			return probe(anc, dir)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return pathError(dir, err)
		}
		up := filepath.Dir(anc)
		if up == anc {
			return pathError(dir, err)
		}
		anc = up
	}
}

// checkTarget returns the file at path if there is one, and an error if path
// names a folder or cannot be looked at.
func checkTarget(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, pathError(path, err)
	case fi.IsDir():
		return nil, pathError(path, syscall.EISDIR)
	case !fi.Mode().IsRegular():
		return nil, nil // a device or a pipe: do not copy its mode
	}
	return fi, nil
}

// checkDir reports whether dir exists and, for each of names, the file it
// replaces there (nil for none), and an error if dir is not a folder or one
// of names in it is a folder.
func checkDir(dir string, names []string) (exists bool, keep []fs.FileInfo, err error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil, nil
	case err != nil:
		return false, nil, pathError(dir, err)
	case !fi.IsDir():
		return false, nil, pathError(dir, syscall.ENOTDIR)
	}
	keep = make([]fs.FileInfo, len(names))
	for i, name := range names {
		if keep[i], err = checkTarget(filepath.Join(dir, name)); err != nil {
			return true, nil, err
		}
	}
	return true, keep, nil
}

// probe creates and removes a temporary file in folder; errors name target.
func probe(folder, target string) error {
	f, err := createTemp(folder, ".probe-")
	if err != nil {
		return pathError(target, err)
	}
	_ = f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return pathError(target, err)
	}
	return nil
}

// commitFile syncs and closes f, whose contents go to target.
func commitFile(f *os.File, target string) error {
	if err := f.Sync(); err != nil {
		return pathError(target, err)
	}
	if err := f.Close(); err != nil {
		return pathError(target, err)
	}
	return nil
}

// rename is os.Rename; tests replace it to make a rename fail.
var rename = os.Rename

// syncDir syncs the folder dir so that a rename in it survives a crash. The
// file is in place whether or not this works, and some file systems refuse
// to sync a folder, so its error is not reported.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// createTemp creates a new file in dir named prefix followed by random
// characters. Unlike os.CreateTemp, which makes the file 0600, it asks for
// 0666 so that the umask decides the permissions, as with os.Create.
func createTemp(dir, prefix string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+randomSuffix())
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}

// mkdirTemp creates a new folder in dir named prefix followed by random
// characters, with permissions 0777 less the umask.
func mkdirTemp(dir, prefix string) (string, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+randomSuffix())
		err := os.Mkdir(name, 0o777)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, err
	}
	return "", &fs.PathError{Op: "mkdirtemp", Path: filepath.Join(dir, prefix+"*"), Err: fs.ErrExist}
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// targetWriter writes to the temporary file f and reports errors as writes to
// path, the target.
type targetWriter struct {
	f    *os.File
	path string
}

func (w *targetWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = pathError(w.path, err)
	}
	return n, err
}

// pathError returns err as a *fs.PathError "write path: ...", keeping the
// cause of an *fs.PathError or *os.LinkError (which name the temporary file)
// and dropping their own operation and path.
func pathError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &fs.PathError{Op: "write", Path: path, Err: err}
}
