package stream

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// selfSigned returns a TLS certificate for 127.0.0.1 and its PEM file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hawkes test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

// TestTLSAndSASL reaches a broker that requires TLS and SASL with each
// mechanism the flags offer, and is refused with a wrong password.
func TestTLSAndSASL(t *testing.T) {
	cert, ca := selfSigned(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
		kfake.Superuser(SASLPlain, "plain", "p1"),
		kfake.Superuser(SASLScramSHA256, "scram256", "p2"),
		kfake.Superuser(SASLScramSHA512, "scram512", "p3"))
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups, not defers: the mechanisms' subtests run in parallel
	// once this function has returned.
	t.Cleanup(c.Close)
	cascades := []data.Cascade{{ID: "a", Times: []float64{0, 5, 9}, Mags: []float64{10, 20, 30}}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	for _, tt := range []struct{ mech, user, pass string }{
		{SASLPlain, "plain", "p1"}, {SASLScramSHA256, "scram256", "p2"}, {SASLScramSHA512, "scram512", "p3"},
	} {
		t.Run(tt.mech, func(t *testing.T) {
			t.Parallel()
			cl := Client{Brokers: c.ListenAddrs(), TLS: true, TLSCA: ca, SASLMechanism: tt.mech, SASLUser: tt.user, SASLPassword: tt.pass}
			topics := testTopics()
			topics.Retweets = "retweets-" + tt.mech
			if err := EnsureTopics(ctx, cl, topics, streamtest.Logger(t)); err != nil {
				t.Fatal(err)
			}
			st, err := Replay(ctx, cl, topics, cascades, ReaderOptions{})
			if err != nil || st.Events != 3 {
				t.Fatalf("replay: %+v, %v", st, err)
			}
			cl.SASLPassword = "wrong"
			cl.ConnectTimeout = 300 * time.Millisecond
			if err := EnsureTopics(ctx, cl, topics, nil); err == nil {
				t.Error("a wrong password was accepted")
			}
		})
	}
	// Without TLS the broker does not answer.
	cl := Client{Brokers: c.ListenAddrs(), SASLMechanism: SASLPlain, SASLUser: "plain", SASLPassword: "p1", ConnectTimeout: 300 * time.Millisecond}
	if err := EnsureTopics(ctx, cl, testTopics(), nil); err == nil {
		t.Error("a plaintext connection to a TLS broker succeeded")
	}
}
