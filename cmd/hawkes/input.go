package main

import (
	"fmt"
	"os"

	"github.com/hawkes-toolkit/hawkes/data"
)

// openInput opens the file at path that hawkes reads as what ("model",
// "features"). A folder is bad input, wrapping data.ErrNotFile as the data
// sets' loader does; an error of os.Open is kept, so that a file that does
// not exist is bad input too (fs.ErrNotExist).
func openInput(path, what string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, badInputf("read %s %s: %w (a folder)", what, path, data.ErrNotFile)
	}
	return f, nil
}
