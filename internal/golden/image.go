package golden

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
)

// CheckImage is Check for a PNG or SVG image (format "png" or "svg"): the
// image equals its golden file when ImagesEqual says so.
func CheckImage(t testing.TB, path, format string, got []byte) {
	t.Helper()
	CheckFunc(t, path, got, func(got, want []byte) (bool, error) {
		return ImagesEqual(format, got, want)
	})
}

// ImagesEqual reports whether two PNG or SVG images are the same, as
// gonum.org/v1/plot/cmpimg.Equal does with a zero delta: PNGs pixel by pixel
// after decoding, SVGs byte for byte. It stands in for cmpimg, which imports
// rsc.io/pdf, a module go.mod does not list yet; once it does
// (rsc.io/pdf v0.1.1 // indirect), call cmpimg.Equal instead.
func ImagesEqual(format string, a, b []byte) (bool, error) {
	switch format {
	case "svg":
		return bytes.Equal(a, b), nil
	case "png":
		ia, err := png.Decode(bytes.NewReader(a))
		if err != nil {
			return false, err
		}
		ib, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return false, err
		}
		return samePixels(ia, ib), nil
	}
	return false, fmt.Errorf("unknown image format %q", format)
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
