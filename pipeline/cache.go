package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// Cache keeps the feature rows of a data set's fits on disk, so that
// evaluating or training again on the same data, window and fit settings
// skips the fits. A zero Cache (Dir "") caches nothing.
//
// An entry is keyed by the SHA-256 of everything that determines its rows:
// the contents of data.csv and index.csv, the window, the fit settings that
// change results (starts, seed, exact; not workers), and the contents of the
// running executable, so that any change of the program's code invalidates
// it too. Its file, named after the key, starts with a line that holds the
// format, the whole key and the SHA-256 of the rows that follow, and is
// written whole with atomicfile.Write, so a run that stops leaves no partial
// entry.
//
// An entry is trusted only if that line is right, the rows hash to its
// checksum and they are the rows of the cascades asked for, on the window
// asked for. Any other entry (edited, damaged, or of another key or format)
// is reported through Warn, naming its file and what is wrong, and
// recomputed and stored again: a bad entry never changes a result, and costs
// one recomputation.
type Cache struct {
	// Dir is the folder of the entries, created when the first is stored;
	// "" caches nothing.
	Dir string
	// Warn, if not nil, is called with a one-line message (no line end)
	// for every entry refused, and every entry that cannot be stored or
	// looked up; the rows are computed and returned all the same. nil
	// drops the messages.
	Warn func(msg string)
}

// cacheFormat names the layout of the key and of the files; change it when
// either changes.
const cacheFormat = "hawkes-rows-v3"

// maxRowBytes bounds the bytes of an entry's row beyond twice its id (an id
// may be quoted): 20 fields of at most 25 characters and their separators.
const maxRowBytes = 512

// Rows returns the rows of the cascades of dataDir (already loaded as
// cascades) fitted on window T with opts, from the cache when a good entry
// exists, else from Rows, storing them. hit says which. A cache that cannot
// be read or written is not an error for the result: the rows are computed,
// Warn says why, and err reports only failures of the fits.
func (c Cache) Rows(ctx context.Context, dataDir string, cascades []data.Cascade, T float64, opts fit.BatchOptions) (rows []features.Row, hit bool, err error) {
	if c.Dir == "" {
		rows, err = Rows(ctx, cascades, T, opts)
		return rows, false, err
	}
	key, kerr := cacheKey(dataDir, T, opts.Options)
	if kerr != nil {
		c.warn("fit cache not used: %v", kerr)
	}
	path := ""
	if kerr == nil {
		path = filepath.Join(c.Dir, "rows-"+key[:32]+".csv")
		rows, err := c.load(path, key, cascades, T)
		if err == nil {
			return rows, true, nil
		}
		// No entry, or no cache folder (a file in its place is said when
		// the entry is stored).
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			c.warn("fit cache entry %s refused (%v): recomputing it", path, err)
		}
	}
	rows, err = Rows(ctx, cascades, T, opts)
	if err != nil || kerr != nil {
		return rows, false, err
	}
	if err := c.store(path, key, rows); err != nil {
		c.warn("fit cache entry not stored: %v", err)
	}
	return rows, false, nil
}

// warn calls c.Warn, if set, with a formatted message.
func (c Cache) warn(format string, args ...any) {
	if c.Warn != nil {
		c.Warn(fmt.Sprintf(format, args...))
	}
}

// cacheKey returns the key of (dataDir, T, o) in hexadecimal.
func cacheKey(dataDir string, T float64, o fit.Options) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\nwindow %s\n", cacheFormat, strconv.FormatFloat(T, 'g', -1, 64))
	o = o.WithDefaults()
	fmt.Fprintf(h, "starts %d seed %d exact %t\n", o.Starts, o.Seed, o.Exact)
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	for _, name := range []string{filepath.Join(dataDir, "data.csv"), filepath.Join(dataDir, "index.csv"), exe} {
		if err := hashFile(h, name); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h hash.Hash, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "file %s\n", filepath.Base(name))
	_, err = io.Copy(h, f)
	return err
}

// entryHeader returns the first line of the entry of key whose rows are
// body.
func entryHeader(key string, body []byte) string {
	return fmt.Sprintf("%s %s %s\n", cacheFormat, key, checksum(body))
}

// checksum returns the SHA-256 of b in hexadecimal.
func checksum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// load reads the entry at path and returns its rows if it is the good entry
// of key for cascades on window T. An error wrapping fs.ErrNotExist means
// there is no entry; any other says what is wrong with it.
func (c Cache) load(path, key string, cascades []data.Cascade, T float64) ([]features.Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	limit := int64(len(cacheFormat)) + 2*sha256.Size*2 + 3
	for i := range cascades {
		limit += int64(2*len(cascades[i].ID) + maxRowBytes)
	}
	limit += int64(len(strings.Join(features.Columns(), ",")) + 2)
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than the %d bytes of %d rows", limit, len(cascades))
	}
	line, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return nil, errors.New("no header line")
	}
	fields := strings.Fields(string(line))
	switch {
	case len(fields) != 3 || fields[0] != cacheFormat:
		return nil, fmt.Errorf("header line is not %q followed by the key and the checksum", cacheFormat)
	case fields[1] != key:
		return nil, errors.New("it answers another key")
	case fields[2] != checksum(body):
		return nil, errors.New("the rows do not match their checksum: edited or damaged")
	}
	rows, err := features.Read(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if len(rows) != len(cascades) {
		return nil, fmt.Errorf("%d rows for %d cascades", len(rows), len(cascades))
	}
	for i := range rows {
		if rows[i].ID != cascades[i].ID || float64(rows[i].Window) != T {
			return nil, fmt.Errorf("row %d is cascade %q on window %v, want %q on %v", i+1, rows[i].ID, float64(rows[i].Window), cascades[i].ID, T)
		}
	}
	return rows, nil
}

// store writes rows as the entry of key at path with atomicfile.Write.
func (c Cache) store(path, key string, rows []features.Row) error {
	var body bytes.Buffer
	if err := features.Write(&body, rows); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o777); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, entryHeader(key, body.Bytes())); err != nil {
			return err
		}
		_, err := w.Write(body.Bytes())
		return err
	})
}
