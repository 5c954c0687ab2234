package golden

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func encodePNG(t *testing.T, c color.Color, level png.CompressionLevel) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(2, 1, c)
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: level}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImagesEqual(t *testing.T) {
	red := color.RGBA{255, 0, 0, 255}
	for _, tc := range []struct {
		name    string
		format  string
		a, b    []byte
		want    bool
		wantErr bool
	}{
		{"svg same bytes", "svg", []byte("<svg/>"), []byte("<svg/>"), true, false},
		{"svg other bytes", "svg", []byte("<svg/>"), []byte("<svg />"), false, false},
		{"png same pixels, other encoding", "png", encodePNG(t, red, png.NoCompression), encodePNG(t, red, png.BestCompression), true, false},
		{"png one pixel differs", "png", encodePNG(t, red, png.DefaultCompression), encodePNG(t, color.RGBA{254, 0, 0, 255}, png.DefaultCompression), false, false},
		{"png not an image", "png", []byte("junk"), encodePNG(t, red, png.DefaultCompression), false, true},
		{"unknown format", "pdf", nil, nil, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ImagesEqual(tc.format, tc.a, tc.b)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ImagesEqual = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
