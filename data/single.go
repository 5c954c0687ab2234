package data

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// ReadSingle reads a file that holds one cascade, one event per row, such as
// the examples in single_cascades. See ReadSingleFrom. A path that names a
// folder is a *ParseError wrapping ErrNotFile.
func ReadSingle(path string) (Cascade, error) {
	f, err := openFile(context.Background(), path, "read cascade")
	if err != nil {
		return Cascade{}, err
	}
	defer f.Close()
	return ReadSingleFrom(f, path)
}

// ReadSingleFrom reads a single-cascade CSV file from r; name is the file
// name, used in errors and for the cascade's ID (its base name without the
// extension). The header must name a time and a magnitude column, with the
// same names as for ReadEvents; other columns, such as a leading row number
// with an empty or "" header, are ignored. Every row is an event; the rules
// for the values are those of ReadEvents, and the file must have at least one
// event. The cascade has no start time.
func ReadSingleFrom(r io.Reader, name string) (Cascade, error) {
	base := filepath.Base(name)
	c := Cascade{ID: strings.TrimSuffix(base, filepath.Ext(base))}
	lr := newLineReader(r, name)
	names, err := lr.header()
	if err != nil {
		return Cascade{}, err
	}
	ec, err := newEventColumns(name, lr.line, names)
	if err != nil {
		return Cascade{}, err
	}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Cascade{}, err
		}
		if len(line) == 0 {
			continue
		}
		t, m, err := ec.parse(line, lr.line)
		if err != nil {
			return Cascade{}, err
		}
		if n := len(c.Times); n > 0 && t < c.Times[n-1] {
			return Cascade{}, parseErr(name, lr.line, ec.timeName, ErrBackwards, "inside cascade %s (%s after %s)",
				c.ID, formatFloat(t), formatFloat(c.Times[n-1]))
		}
		c.Times = append(c.Times, t)
		c.Mags = append(c.Mags, m)
	}
	if len(c.Times) == 0 {
		return Cascade{}, parseErr(name, lr.line, "", ErrNoEvents, "(the file has a header only)")
	}
	n := len(c.Times)
	c.Times, c.Mags = c.Times[:n:n], c.Mags[:n:n]
	return c, nil
}

// WriteSingle writes one cascade as a single-cascade CSV file with the header
// time,magnitude, in the number format of Write. The cascade must pass
// Validate; its ID and start time are not written.
func WriteSingle(w io.Writer, c Cascade) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("write cascade: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("time,magnitude\n")
	writeEvents(bw, &c)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write cascade %s: %w", c.ID, err)
	}
	return nil
}
