package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
)

// Cache keeps the feature rows of a data set's fits on disk, so that
// evaluating or training again on the same data, window and fit settings
// skips the fits. A zero Cache (Dir "") caches nothing.
//
// A file is keyed by the SHA-256 of everything that determines its rows: the
// contents of data.csv and index.csv, the window, the fit settings that
// change results (starts, seed, exact; not workers), and the contents of the
// running executable, so that any change of the program's code invalidates
// it too. Files are written whole with atomicfile.Write, so a run that stops
// leaves no partial entry.
type Cache struct {
	Dir string
}

// cacheFormat names the layout of the key and of the files; change it when
// either changes.
const cacheFormat = "hawkes-rows-v1"

// Rows returns the rows of the cascades of dataDir (already loaded as
// cascades) fitted on window T with opts, from the cache when an entry
// exists, else from Rows, storing them. hit says which. A cache that cannot
// be read or written is not an error for the result: the rows are computed
// and err reports only failures of the fits.
func (c Cache) Rows(ctx context.Context, dataDir string, cascades []data.Cascade, T float64, opts fit.BatchOptions) (rows []features.Row, hit bool, err error) {
	if c.Dir == "" {
		rows, err = Rows(ctx, cascades, T, opts)
		return rows, false, err
	}
	path, kerr := c.path(dataDir, T, opts.Options)
	if kerr == nil {
		if f, err := os.Open(path); err == nil {
			rows, rerr := features.Read(f)
			f.Close()
			if rerr == nil && len(rows) == len(cascades) {
				return rows, true, nil
			}
		}
	}
	rows, err = Rows(ctx, cascades, T, opts)
	if err != nil || kerr != nil {
		return rows, false, err
	}
	_ = c.store(path, rows) // a cache that cannot be written only costs time
	return rows, false, nil
}

// path returns the cache file of (dataDir, T, o).
func (c Cache) path(dataDir string, T float64, o fit.Options) (string, error) {
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
	return filepath.Join(c.Dir, "rows-"+hex.EncodeToString(h.Sum(nil))[:32]+".csv"), nil
}

func hashFile(h io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "file %s\n", filepath.Base(name))
	_, err = io.Copy(h, f)
	return err
}

// store writes rows to path with atomicfile.Write.
func (c Cache) store(path string, rows []features.Row) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return features.Write(w, rows)
	})
}
