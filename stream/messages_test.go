package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
)

func TestDecodeRetweet(t *testing.T) {
	tests := []struct {
		name, in string
		want     Retweet
		wantErr  string
	}{
		{"event", string(AppendEvent(nil, "RT5", 3, 43233.0000001, 12, 1500)),
			Retweet{V: 1, Kind: KindEvent, ID: "RT5", Seq: 3, Start: 43233.0000001, T: 12, M: 1500}, ""},
		{"event with escapes", `{"v":1,"kind":"event","id":"a\"b","seq":0,"start":0,"t":0,"m":1}`,
			Retweet{V: 1, Kind: KindEvent, ID: `a"b`, Start: 0, M: 1}, ""},
		{"event fields reordered", `{"kind":"event","v":1,"m":2.5,"t":1e1,"start":-5,"seq":1,"id":"x"}`,
			Retweet{V: 1, Kind: KindEvent, ID: "x", Seq: 1, Start: -5, T: 10, M: 2.5}, ""},
		{"watermark", `{"v":1,"kind":"watermark","time":100.5}`, Retweet{V: 1, Kind: KindWatermark, Time: 100.5}, ""},
		{"end", `{"v":1,"kind":"end","time":7,"events":10,"cascades":2}`, Retweet{V: 1, Kind: KindEnd, Time: 7, Events: 10, Cascades: 2}, ""},
		{"not json", `hello`, Retweet{}, "invalid character"},
		{"wrong type", `{"v":1,"kind":"event","id":"x","seq":"1","start":0,"t":0,"m":1}`, Retweet{}, "cannot unmarshal"},
		{"seq not an integer", `{"v":1,"kind":"event","id":"x","seq":1.5,"start":0,"t":0,"m":1}`, Retweet{}, "cannot unmarshal"},
		{"negative time", `{"v":1,"kind":"event","id":"x","seq":1,"start":0,"t":-1,"m":1}`, Retweet{}, "t -1 is negative"},
		{"negative magnitude", `{"v":1,"kind":"event","id":"x","seq":1,"start":0,"t":1,"m":-1}`, Retweet{}, "m -1 is negative"},
		{"negative seq", `{"v":1,"kind":"event","id":"x","seq":-1,"start":0,"t":1,"m":1}`, Retweet{}, "seq -1"},
		{"no id", `{"v":1,"kind":"event","seq":1,"start":0,"t":1,"m":1}`, Retweet{}, "empty id"},
		{"id with a line break", `{"v":1,"kind":"event","id":"a\nALERT id=b","seq":0,"start":0,"t":0,"m":1}`, Retweet{}, "line break"},
		{"id with a carriage return", `{"v":1,"kind":"event","id":"a\rb","seq":0,"start":0,"t":0,"m":1}`, Retweet{}, "line break"},
		{"id with an escape", `{"v":1,"kind":"event","id":"\u001b[2J","seq":0,"start":0,"t":0,"m":1}`,
			Retweet{V: 1, Kind: KindEvent, ID: "\x1b[2J", M: 1}, ""},
		{"version", `{"v":2,"kind":"watermark","time":1}`, Retweet{}, "schema version 2"},
		{"kind", `{"v":1,"kind":"party","time":1}`, Retweet{}, `unknown kind "party"`},
		{"huge time", `{"v":1,"kind":"watermark","time":1e400}`, Retweet{}, "cannot unmarshal"},
		{"leading zero", `{"v":1,"kind":"event","id":"x","seq":01,"start":0,"t":1,"m":1}`, Retweet{}, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRetweet([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestParseEventFastPath checks that what AppendEvent writes takes the fast
// path, so that the benchmark measures it.
func TestParseEventFastPath(t *testing.T) {
	for _, v := range []float64{0, 1, 43233.0000001, 1e300, 123456789012345678} {
		b := AppendEvent(nil, "RT1", 7, v, v, v)
		r, ok := parseEvent(b)
		if !ok || r.Start != v || r.T != v || r.M != v || r.Seq != 7 || r.ID != "RT1" {
			t.Errorf("%s: parsed %+v ok %v", b, r, ok)
		}
		b = AppendWatermark(nil, v)
		if r, ok := parseWatermark(b); !ok || r.Time != v {
			t.Errorf("%s: parsed %+v ok %v", b, r, ok)
		}
	}
}

func TestSampleRoundTrip(t *testing.T) {
	row := features.Row{ID: "c1", Window: 600, Status: fit.StatusOK, N: 10, Size: 40,
		C: features.Opt{V: 1.5, OK: true}, Theta: features.Opt{V: 0.3, OK: true}, A1: features.Opt{V: 4, OK: true},
		NStar: features.Opt{V: 0.7, OK: true}, Beta: features.Opt{V: 0.2, OK: true}, Rate: features.Opt{V: 0.2, OK: true},
		LogLikPerEvent: features.Opt{V: -3, OK: true}, LogN: features.Opt{V: math.Log(10), OK: true},
		Growth: features.Opt{V: 0.1, OK: true}, NHat: features.Opt{V: 23.3, OK: true}, W: features.Opt{V: 2.25, OK: true}}
	s := NewSample(&row)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSample(b)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Row(); !reflect.DeepEqual(r, row) {
		t.Errorf("round trip: got %+v, want %+v", r, row)
	}
	// A failed fit: the optional fields are null.
	row = features.Row{ID: "c2", Window: 3600, Status: fit.StatusFailed, N: 0, Size: 1}
	b, _ = json.Marshal(NewSample(&row))
	if !strings.Contains(string(b), `"nstar":null`) {
		t.Errorf("missing feature not null: %s", b)
	}
	got, err = DecodeSample(b)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Row(); !reflect.DeepEqual(r, row) {
		t.Errorf("round trip: got %+v, want %+v", r, row)
	}
}

func TestDecodeOthers(t *testing.T) {
	tests := []struct {
		name    string
		decode  func([]byte) error
		in      string
		wantErr string
	}{
		{"prediction", decodeErr(DecodePrediction), `{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok","model_version":0}`, ""},
		{"prediction source", decodeErr(DecodePrediction), `{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"source":"guess","model_version":0}`, "unknown source"},
		{"prediction window", decodeErr(DecodePrediction), `{"v":1,"id":"a","window":0,"time":5,"n":3,"nhat":9,"source":"hawkes"}`, "window 0"},
		{"sample size", decodeErr(DecodeSample), `{"v":1,"id":"a","window":600,"status":"ok","n":5,"size":3}`, "want 0 <= n <= size"},
		{"sample status", decodeErr(DecodeSample), `{"v":1,"id":"a","window":600,"status":"great","n":1,"size":3}`, "unknown status"},
		{"model version", decodeErr(DecodeModel), `{"v":1,"window":600,"version":0,"model":"AAAA"}`, "model version 0"},
		{"model empty", decodeErr(DecodeModel), `{"v":1,"window":600,"version":1}`, "empty model"},
		{"model base64", decodeErr(DecodeModel), `{"v":1,"window":600,"version":1,"model":"%%%"}`, "illegal base64"},
		{"alert", decodeErr(DecodeAlert), `{"v":1,"id":"a","window":600,"nhat":9,"n":1,"model_version":2}`, ""},
		{"stat are", decodeErr(DecodeStat), `{"v":1,"id":"a","window":600,"n":1,"size":3,"nhat":2,"are":-1}`, "are -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}

func decodeErr[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

// FuzzDecodeRetweet checks that the fast event parser agrees with
// encoding/json wherever it accepts a message, and that decoding arbitrary
// bytes never panics and gives either a valid message or ErrInvalid.
func FuzzDecodeRetweet(f *testing.F) {
	f.Add(AppendEvent(nil, "RT5", 3, 43233.5, 12, 1500))
	f.Add([]byte(`{"v":1,"kind":"watermark","time":100.5}`))
	f.Add([]byte(`{"v":1,"kind":"event","id":"x","seq":1,"start":-0,"t":1E+2,"m":0.5}`))
	f.Add([]byte(`{"v":1,"kind":"end","time":7,"events":10,"cascades":2}`))
	f.Add(AppendWatermark(nil, 1234.5))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, ok := parseWatermark(b); ok {
			var ref Retweet
			if err := json.Unmarshal(b, &ref); err != nil || r != ref {
				t.Fatalf("%q: fast watermark %+v, encoding/json %+v (%v)", b, r, ref, err)
			}
		}
		if r, ok := parseEvent(b); ok {
			var ref Retweet
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatalf("fast path accepted %q, encoding/json: %v", b, err)
			}
			if r != ref {
				t.Fatalf("%q: fast %+v, encoding/json %+v", b, r, ref)
			}
		}
		r, err := DecodeRetweet(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v is not ErrInvalid", b, err)
			}
			return
		}
		if r.Kind == KindEvent && (r.ID == "" || r.T < 0 || r.M < 0 || r.Seq < 0 || math.IsNaN(r.At()) || math.IsInf(r.At(), 0)) {
			t.Fatalf("%q: accepted %+v", b, r)
		}
	})
}

// FuzzDecoders feeds arbitrary bytes to every other message decoder.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok","model_version":0}`))
	f.Add([]byte(`{"v":1,"id":"a","window":600,"status":"ok","n":1,"size":3,"w":1.5}`))
	f.Add([]byte(`{"v":1,"window":600,"version":1,"model":"SEtSRgE="}`))
	f.Add([]byte(`{"v":1,"id":"a","window":600,"n":1,"size":3,"nhat":2,"are":0.3}`))
	f.Add([]byte(`{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok","start":7,"curve":[[0,1],[4,3]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, d := range map[string]func([]byte) error{
			"prediction": decodeErr(DecodePrediction), "sample": decodeErr(DecodeSample),
			"model": decodeErr(DecodeModel), "alert": decodeErr(DecodeAlert), "stat": decodeErr(DecodeStat),
		} {
			if err := d(b); err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("%s %q: error %v is not ErrInvalid", name, b, err)
			}
		}
		if _, _, err := decodeLiveModel(&sarama.ConsumerMessage{Value: b}); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("model %q: error %v is not ErrInvalid", b, err)
		}
	})
}

// Hostile: a cascade id with a terminal escape or another non-printable character in a replayed data set -> written as valid JSON (\u001b, not Go's \x1b) and read back unchanged
func TestHostileEscapeInReplayedID(t *testing.T) {
	for _, id := range []string{"\x1b[2J", "bell\a", "vt\v", "nul\x00", "<&>", "\U000e0001tag", "\u2028", "caf\u00e9"} {
		b := AppendEvent(nil, id, 1, 2, 3, 4)
		if !json.Valid(b) {
			t.Errorf("id %q: AppendEvent wrote invalid JSON %s", id, b)
			continue
		}
		r, err := DecodeRetweet(b)
		if err != nil || r.ID != id {
			t.Errorf("id %q: %s decodes to %q (%v)", id, b, r.ID, err)
		}
	}
}

// Hostile: a data set with a cascade id holding a line break, longer than MaxIDBytes or not UTF-8 -> the replay is refused, naming the cascade, before anything is sent
func TestHostileBadIDInReplayedDataSet(t *testing.T) {
	ok := data.Cascade{ID: "ok", Times: []float64{0}, Mags: []float64{1}}
	for _, id := range []string{"a\nALERT id=forged", "a\rb", strings.Repeat("x", MaxIDBytes+1), "bad\xffutf8", ""} {
		bad := ok
		bad.ID = id
		// No broker listens there: the replay must fail before it connects.
		_, err := Replay(context.Background(), Client{Brokers: []string{"127.0.0.1:1"}, ConnectTimeout: time.Millisecond},
			DefaultTopics(), []data.Cascade{ok, bad}, ReaderOptions{})
		if err == nil || !strings.Contains(err.Error(), "stream: reader: cascade 2: ") || strings.Contains(err.Error(), "connect") {
			t.Errorf("id %q: error %v, want the reader to refuse cascade 2", id, err)
		}
	}
}

// FuzzAppendEvent checks that every event the reader may write decodes to
// what it was given.
func FuzzAppendEvent(f *testing.F) {
	f.Add("RT5", 3, 43233.5, 12.0, 1500.0)
	f.Add("\x1b[31m", 0, -5.0, 0.0, 0.0)
	f.Add("a\"b\\c", 1<<40, 1e300, 1e-300, 7.0)
	f.Fuzz(func(t *testing.T, id string, seq int, start, tt, m float64) {
		if checkID(id) != nil || seq < 0 || tt < 0 || m < 0 || finite("", start) != nil || finite("", tt) != nil ||
			finite("", m) != nil || finite("", start+tt) != nil {
			return
		}
		b := AppendEvent(nil, id, seq, start, tt, m)
		r, err := DecodeRetweet(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if want := (Retweet{V: 1, Kind: KindEvent, ID: id, Seq: seq, Start: start, T: tt, M: m}); r != want {
			t.Fatalf("%s: decoded %+v, want %+v", b, r, want)
		}
	})
}

// FuzzMessageRoundTrip checks that whatever a decoder accepts has a valid
// id and is accepted again, unchanged, once encoded as the roles encode
// their messages.
func FuzzMessageRoundTrip(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"lo":1,"hi":20,"source":"hawkes","status":"ok","nstar":0.5,"model_version":2,"evicted":true,"fitter":"f"}`))
	f.Add([]byte(`{"v":1,"id":"a\u001b","window":600,"status":"ok","n":1,"size":3,"w":1.5,"c":null}`))
	f.Add([]byte(`{"v":1,"window":600,"version":1,"trained_on":3,"seen":4,"created":"2026-11-26T04:02:49Z","model":"SEtSRgE="}`))
	f.Add([]byte(`{"v":1,"id":"a","window":600,"n":1,"size":3,"nhat":2,"are":0.3,"source":"forest","evicted":true}`))
	f.Add([]byte(`{"v":1,"id":"a","window":600,"nhat":9,"n":1,"model_version":2,"source":"forest","time":3,"threshold":5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		roundTrip(t, b, DecodePrediction, func(p Prediction) string { return p.ID })
		roundTrip(t, b, DecodeSample, func(s Sample) string { return s.ID })
		roundTrip(t, b, DecodeStat, func(s Stat) string { return s.ID })
		roundTrip(t, b, DecodeAlert, func(a Alert) string { return a.ID })
		roundTrip(t, b, DecodeModel, func(ModelMessage) string { return "model" })
		roundTrip(t, b, DecodeRetweet, func(r Retweet) string {
			if r.Kind != KindEvent {
				return "control"
			}
			return r.ID
		})
	})
}

// roundTrip decodes b with decode and, if it is accepted, checks its id
// and that its JSON encoding decodes to the same message.
func roundTrip[T any](t *testing.T, b []byte, decode func([]byte) (T, error), id func(T) string) {
	t.Helper()
	m, err := decode(b)
	if err != nil {
		return
	}
	if err := checkID(id(m)); err != nil {
		t.Fatalf("%T accepted from %q with id %q: %v", m, b, id(m), err)
	}
	enc, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("%T from %q does not encode: %v", m, b, err)
	}
	again, err := decode(enc)
	if err != nil {
		t.Fatalf("%T from %q, encoded as %s, is refused: %v", m, b, enc, err)
	}
	if !reflect.DeepEqual(again, m) {
		t.Fatalf("%T from %q: %+v, encoded as %s, decodes to %+v", m, b, m, enc, again)
	}
}

func TestGrowthCurve(t *testing.T) {
	many := make([]float64, 1000)
	for i := range many {
		many[i] = float64(i) * 2
	}
	tests := []struct {
		name  string
		times []float64
		want  [][2]float64 // nil: only the shape is checked
	}{
		{"none", nil, nil},
		{"one", []float64{0}, [][2]float64{{0, 1}}},
		{"three", []float64{0, 5, 9}, [][2]float64{{0, 1}, {5, 2}, {9, 3}}},
		{"many", many, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GrowthCurve(tt.times)
			if err := checkCurve(got); err != nil {
				t.Fatalf("curve %v: %v", got, err)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if n := len(tt.times); n > 0 {
				last := got[len(got)-1]
				if len(got) != min(n, CurvePoints) || got[0] != [2]float64{0, 1} || last != [2]float64{tt.times[n-1], float64(n)} {
					t.Errorf("got %d points from %v to %v, want %d from [0 1] to [%v %d]", len(got), got[0], last, min(n, CurvePoints), tt.times[n-1], n)
				}
			}
		})
	}
}

func TestDecodeCurve(t *testing.T) {
	const head = `{"v":1,"id":"a","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok",`
	long := make([]string, CurvePoints+1)
	for i := range long {
		long[i] = fmt.Sprintf("[%d,%d]", i, i+1)
	}
	tests := []struct{ name, in, wantErr string }{
		{"none", head + `"start":0}`, ""},
		{"curve", head + `"start":3,"curve":[[0,1],[2,2],[2,3]]}`, ""},
		{"time goes back", head + `"curve":[[0,1],[5,2],[4,3]]}`, "goes back"},
		{"count goes back", head + `"curve":[[0,2],[5,1]]}`, "goes back"},
		{"negative", head + `"curve":[[-1,1]]}`, "negative"},
		{"too long", head + `"curve":[` + strings.Join(long, ",") + `]}`, "over"},
		{"not a pair", head + `"curve":[1]}`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodePrediction([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}
