package convert

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes bounds a line of input. A longer line is refused as
// malformed (ErrLineTooLong) without being held in memory, and reading
// goes on at the next line. A Twitter v2 search page of 500 tweets with
// its expansions takes a few MB; 16 MiB leaves room for any page.
const MaxLineBytes = 16 << 20

// ErrLineTooLong is the error of a line longer than MaxLineBytes.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// lineReader reads lines of at most max bytes.
type lineReader struct {
	r    *bufio.Reader
	max  int
	line int // number of the line last returned, from 1
	buf  []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its line end ("\n" or "\r\n"). A line
// over the bound gives ErrLineTooLong, and the next call reads the line
// after it. The slice is valid until the next call. At the end it returns
// io.EOF; a last line without a line end is a line.
func (lr *lineReader) next() ([]byte, error) {
	lr.buf = lr.buf[:0]
	tooLong := false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		if !tooLong {
			if len(lr.buf)+len(chunk) > lr.max+2 { // room for "\r\n"
				tooLong, lr.buf = true, lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(chunk) == 0 && len(lr.buf) == 0 && !tooLong {
				return nil, io.EOF
			}
		case err != nil:
			return nil, err
		}
		lr.line++
		if tooLong {
			return nil, ErrLineTooLong
		}
		b := bytes.TrimSuffix(lr.buf, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(b) > lr.max {
			return nil, ErrLineTooLong
		}
		return b, nil
	}
}

// Decompress returns r, or a reader of its gzip-decompressed content when
// it starts with the gzip magic bytes, so that plain and .gz inputs read
// alike whatever their names.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	}
	return br, nil
}
