package convert_test

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
)

// fuzzDecoder checks that a decoder never panics, and that what it
// accepts is usable: ids non-empty, times finite and in range, follower
// counts non-negative, a repost naming its original.
func fuzzDecoder(f *testing.F, dec convert.Decoder, fixture string) {
	if fx, err := os.Open(filepath.Join("testdata", fixture)); err == nil {
		sc := bufio.NewScanner(fx)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
		fx.Close()
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, line []byte) {
		posts, err := dec(line, nil)
		if err != nil {
			return
		}
		for _, p := range posts {
			switch p.Kind {
			case convert.KindPost, convert.KindRepost:
				if p.ID == "" || p.Time < 0 || p.Time > 253402300799 || p.Followers < 0 {
					t.Fatalf("accepted %+v from %q", p, line)
				}
				if p.Kind == convert.KindRepost && (p.Orig.ID == "" || p.Orig.Followers < 0 || p.Orig.Time < 0) {
					t.Fatalf("accepted repost %+v from %q", p, line)
				}
			case convert.KindDelete:
				if p.ID == "" {
					t.Fatalf("delete without id from %q", line)
				}
			case convert.KindOther:
				if p.Reason == "" || len(p.Reason) > 100 {
					t.Fatalf("skip reason %q from %q", p.Reason, line)
				}
			default:
				t.Fatalf("kind %d from %q", p.Kind, line)
			}
		}
	})
}

func FuzzDecodeTwitterV1(f *testing.F) {
	f.Add([]byte(`{"created_at":"Sat Nov 18 08:00:00 +0000 2017","id":931794102781276162,"id_str":"931794102781276162","timestamp_ms":"1510992000657","in_reply_to_status_id_str":null,"is_quote_status":false,"user":{"id":141044102,"id_str":"141044102","followers_count":7},"retweeted_status":{"created_at":"Tue Nov 14 23:58:50 +0000 2017","id":930585846885109765,"id_str":"930585846885109765","is_quote_status":true,"user":{"id_str":"23199714","followers_count":1711959}}}`))
	f.Add([]byte(`{"delete":{"status":{"id":871647351416340484,"id_str":"871647351416340484","user_id":871291569067876353,"user_id_str":"871291569067876353"},"timestamp_ms":"1510992000963"}}`))
	f.Add([]byte(`{"limit":{"track":12,"timestamp_ms":"1510992000963"}}`))
	fuzzDecoder(f, convert.DecodeTwitterV1, "none")
}

func FuzzDecodeTwitterV2(f *testing.F) {
	fuzzDecoder(f, convert.DecodeTwitterV2, "twitter-v2/twarc2.jsonl")
}

func FuzzDecodeBluesky(f *testing.F) {
	fuzzDecoder(f, convert.DecodeBluesky, "bluesky/jetstream.jsonl")
}

// FuzzReadFollowers checks that a followers file either fails or gives
// counts that are finite and not negative, for non-empty accounts.
func FuzzReadFollowers(f *testing.F) {
	f.Add([]byte("account,followers\ndid:plc:aaa,500\ndid:plc:bbb,40\n"))
	f.Add([]byte("a,1e308\nb,\"2\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := convert.ReadFollowers(bytes.NewReader(b), "f")
		if err != nil {
			return
		}
		for k, v := range m {
			if k == "" || !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("accepted %q: %v from %q", k, v, b)
			}
		}
	})
}
