package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// The tests of this file run the stream against Apache Kafka: the cluster
// whose bootstrap servers $HAWKES_KAFKA_BROKERS names, started by
// scripts/kafka-cluster.sh in $HAWKES_KAFKA_DIR (make test-kafka does
// both). Without them they skip.
const (
	kafkaBrokersEnv = "HAWKES_KAFKA_BROKERS"
	kafkaDirEnv     = "HAWKES_KAFKA_DIR"
)

// kafkaCluster returns the bootstrap servers and the folder of the real
// Kafka cluster the tests run on, or skips the test.
func kafkaCluster(t *testing.T) (addrs []string, dir string) {
	t.Helper()
	b := os.Getenv(kafkaBrokersEnv)
	if b == "" {
		t.Skipf("real Kafka: $%s unset; run make test-kafka (needs Java 17 and Maven)", kafkaBrokersEnv)
	}
	dir = os.Getenv(kafkaDirEnv)
	if dir != "" {
		// A broker a test before killed and did not start again would make
		// this one fail for no fault of its own.
		for i := 1; ; i++ {
			path := filepath.Join(dir, fmt.Sprintf("broker-%d.pid", i))
			if _, err := os.Stat(path); err != nil {
				break
			}
			if err := syscall.Kill(brokerPid(t, dir, i), 0); err != nil {
				t.Fatalf("broker %d of the cluster in %s is not running (%v): start it with scripts/kafka-cluster.sh restart %s %d", i, dir, err, dir, i)
			}
		}
	}
	return strings.Split(b, ","), dir
}

// kafkaScript runs scripts/kafka-cluster.sh with args and returns its last
// line of output, and whether it succeeded. It may be called from any
// goroutine: it fails the test with Errorf.
func kafkaScript(t *testing.T, env []string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"../../scripts/kafka-cluster.sh"}, args...)...)
	cmd.Env = os.Environ()
	if userCacheDir != "" { // the jars fetched once, not again in the test's cache
		cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+userCacheDir)
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Errorf("kafka-cluster.sh %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		return "", false
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1], true
}

// kafkaRun is one run of the pipeline, each role in its own process, on
// topics and groups of its own on the real cluster.
type kafkaRun struct {
	t       *testing.T
	addrs   []string
	dir     string
	data    string
	topics  stream.Topics
	flags   []string // topics, groups and replication, given to every role
	pairs   []pair   // every (cascade, window) expected, in data set order
	cl      sarama.Client
	admin   sarama.ClusterAdmin
	watches map[string]*streamtest.Watch
	fitters int
}

func newKafkaRun(t *testing.T, addrs []string, dir, name string) *kafkaRun {
	data := shared.Path(t, "smh_cascades")
	cascades, err := dataLoad(data)
	if err != nil {
		t.Fatal(err)
	}
	r := &kafkaRun{t: t, addrs: addrs, dir: dir, data: data}
	prefix := fmt.Sprintf("hk%d-%s.", time.Now().UnixNano(), name)
	tp := stream.DefaultTopics()
	for _, p := range []*string{&tp.Retweets, &tp.Predictions, &tp.Samples, &tp.Models, &tp.Alerts, &tp.Stats, &tp.DeadLetters} {
		*p = prefix + strings.TrimPrefix(*p, "hawkes.")
	}
	tp.RetweetsPartitions, tp.PredictionsPartitions, tp.SamplesPartitions = 8, 4, 3
	tp.AlertsPartitions, tp.StatsPartitions = 2, 5
	tp.Replication, tp.MinInsyncReplicas = 3, 2
	r.topics = tp
	r.flags = []string{
		"--topic-retweets", tp.Retweets, "--topic-predictions", tp.Predictions, "--topic-samples", tp.Samples,
		"--topic-models", tp.Models, "--topic-alerts", tp.Alerts, "--topic-stats", tp.Stats, "--topic-deadletters", tp.DeadLetters,
		"--partitions-retweets", "8", "--partitions-predictions", "4", "--partitions-samples", "3",
		"--partitions-alerts", "2", "--partitions-stats", "5",
		"--replication", "3", "--min-insync-replicas", "2", "--brokers", strings.Join(addrs, ","),
	}
	for _, c := range cascades {
		for _, w := range crashWindows {
			r.pairs = append(r.pairs, pair{c.ID, w})
		}
	}
	r.cl = streamtest.Client(t, addrs)
	r.admin = streamtest.Admin(t, addrs)
	return r
}

// dataLoad loads a data set.
func dataLoad(dir string) ([]data.Cascade, error) { return data.LoadDir(context.Background(), dir) }

// role returns the arguments of a role of this run.
func (r *kafkaRun) role(name string, args ...string) []string {
	group := map[string][]string{
		"fitter":  {"--group", r.topics.Retweets + "fitters"},
		"trainer": {"--trainer-group", r.topics.Retweets + "trainer"},
		"alerts":  {"--alerts-group", r.topics.Retweets + "alerts"},
	}[name]
	return slices.Concat([]string{"stream", name}, args, group, r.flags)
}

// fitter starts a fitter.
func (r *kafkaRun) fitter() *child {
	r.fitters++
	id := fmt.Sprintf("kafka-fitter-%d", r.fitters)
	return startChild(r.t, id, r.role("fitter", "--id", id, "--window", crashWindowsFlag, "--terminated", "21600", "--starts", "4")...)
}

// start starts a fitter, the trainer and the alerts role, waits for the
// fitter to hold the partitions and for the topics to exist, then follows
// the output topics.
func (r *kafkaRun) start() (fitter, trainer, alerts *child) {
	t := r.t
	fitter = r.fitter()
	trainer = startChild(t, "trainer", r.role("trainer", "--log-level", "warn")...)
	alerts = startChild(t, "alerts", r.role("alerts", "--threshold", fmt.Sprint(crashThreshold), "--format", "jsonl", "--log-level", "warn")...)
	group := r.topics.Retweets + "fitters"
	wait(t, 90*time.Second, "the fitter to be assigned the partitions", nil, fitter.exited, func() bool {
		gs, err := r.admin.DescribeConsumerGroups([]string{group})
		return err == nil && len(gs) == 1 && gs[0].State == "Stable" && len(gs[0].Members) == 1
	})
	tp := r.topics
	ws := streamtest.WatchTopics(t, r.cl, tp.Predictions, tp.Stats, tp.Samples, tp.Alerts, tp.DeadLetters)
	r.watches = map[string]*streamtest.Watch{}
	for _, w := range ws {
		r.watches[w.Topic] = w
	}
	return fitter, trainer, alerts
}

// reader starts the replay: 20 cascades two days apart at 500000 times
// real time, about 7 s of wall time.
func (r *kafkaRun) reader(args ...string) *child {
	return startChild(r.t, "reader", r.role("reader", slices.Concat([]string{"--data", r.data,
		"--spacing", "172800", "--speed", "500000", "--log-level", "warn"}, args)...)...)
}

// drained waits until the reader has ended with 0, every retweet is
// committed by the fitters and every prediction by the alerts role.
func (r *kafkaRun) drained(reader *child, timeout time.Duration) {
	t := r.t
	wait(t, timeout, "the pipeline to drain", nil, nil, func() bool {
		return reader.done() &&
			streamtest.CommittedAll(t, r.cl, r.admin, r.topics.Retweets+"fitters", r.topics.Retweets) &&
			streamtest.CommittedAll(t, r.cl, r.admin, r.topics.Retweets+"alerts", r.topics.Predictions)
	})
	if code := reader.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("reader exit code %d, stderr:\n%s", code, reader.stderr)
	}
	wait(t, 30*time.Second, "every output read", nil, nil, func() bool {
		for _, w := range r.watches {
			if !w.CaughtUp(t, r.cl) {
				return false
			}
		}
		return true
	})
}

// check checks the outputs: every pair predicted (exactly once when once),
// its stat and sample there, every first prediction at or above the
// threshold alerted exactly once, and no dead letter.
func (r *kafkaRun) check(once bool) {
	t := r.t
	first := map[pair]stream.Prediction{}
	dups := 0
	for _, m := range r.watches[r.topics.Predictions].Messages() {
		p, err := stream.DecodePrediction(m.Value)
		if err != nil {
			t.Fatalf("predictions offset %d/%d: %v", m.Partition, m.Offset, err)
		}
		k := pair{p.ID, p.Window}
		if !slices.Contains(r.pairs, k) {
			t.Errorf("prediction of an unknown cascade or window: %+v", p)
		}
		if _, ok := first[k]; ok {
			dups++
			if once {
				t.Errorf("%v predicted twice", k)
			}
			continue
		}
		first[k] = p
	}
	for _, k := range r.pairs {
		if _, ok := first[k]; !ok {
			t.Errorf("no prediction of %v", k)
		}
	}
	t.Logf("predictions: %d pairs of %d, %d duplicates on the topic", len(first), len(r.pairs), dups)
	checkFinished(t, r.watches[r.topics.Stats], r.pairs, func(b []byte) (pair, [2]int, error) {
		s, err := stream.DecodeStat(b)
		return pair{s.ID, s.Window}, [2]int{s.N, s.Size}, err
	})
	checkFinished(t, r.watches[r.topics.Samples], r.pairs, func(b []byte) (pair, [2]int, error) {
		s, err := stream.DecodeSample(b)
		return pair{s.ID, s.Window}, [2]int{s.N, s.Size}, err
	})
	wantAlerts := 0
	got := map[pair]bool{}
	for _, m := range r.watches[r.topics.Alerts].Messages() {
		a, err := stream.DecodeAlert(m.Value)
		if err != nil {
			t.Fatalf("alerts offset %d/%d: %v", m.Partition, m.Offset, err)
		}
		k := pair{a.ID, a.Window}
		if got[k] {
			t.Errorf("alert %v published twice", k)
		}
		got[k] = true
		if p, ok := first[k]; !ok || p.NHat < crashThreshold {
			t.Errorf("alert %+v: not a first prediction at or above %d", a, crashThreshold)
		}
	}
	for _, k := range r.pairs {
		if p, ok := first[k]; ok && p.NHat >= crashThreshold {
			wantAlerts++
			if !got[k] {
				t.Errorf("no alert for %v (nhat %v)", k, p.NHat)
			}
		}
	}
	if wantAlerts == 0 || wantAlerts == len(r.pairs) {
		t.Errorf("%d of %d predictions at or above %d: the threshold does not split them", wantAlerts, len(r.pairs), crashThreshold)
	}
	t.Logf("alerts: %d, each pair once", len(got))
	if n := len(r.watches[r.topics.DeadLetters].Messages()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// checkTopics reads back the topics' partition counts, replicas and
// configuration from the cluster.
func (r *kafkaRun) checkTopics() {
	t := r.t
	tp := r.topics
	want := map[string]int{tp.Retweets: 8, tp.Predictions: 4, tp.Samples: 3, tp.Models: 1, tp.Alerts: 2, tp.Stats: 5, tp.DeadLetters: 1}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range want {
			if !yield(n) {
				return
			}
		}
	})
	md, err := r.admin.DescribeTopics(names)
	if err != nil {
		t.Fatalf("describe topics: %v", err)
	}
	for _, d := range md {
		if d.Err != sarama.ErrNoError {
			t.Errorf("topic %s: %v", d.Name, d.Err)
			continue
		}
		if len(d.Partitions) != want[d.Name] {
			t.Errorf("topic %s: %d partitions, want %d", d.Name, len(d.Partitions), want[d.Name])
		}
		for _, p := range d.Partitions {
			if len(p.Replicas) != 3 {
				t.Errorf("topic %s partition %d: replicas %v, want 3", d.Name, p.ID, p.Replicas)
			}
		}
	}
	for _, name := range names {
		entries, err := r.admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: name,
			ConfigNames: []string{"cleanup.policy", "min.insync.replicas"}})
		if err != nil {
			t.Fatalf("describe the configuration of %s: %v", name, err)
		}
		got := map[string]string{}
		for _, e := range entries {
			got[e.Name] = e.Value
		}
		policy := "delete"
		if name == tp.Models {
			policy = "compact"
		}
		if got["cleanup.policy"] != policy || got["min.insync.replicas"] != "2" {
			t.Errorf("topic %s: cleanup.policy %q, min.insync.replicas %q; want %q and \"2\"",
				name, got["cleanup.policy"], got["min.insync.replicas"], policy)
		}
	}
}

// predicted returns how many distinct pairs have been predicted so far.
func (r *kafkaRun) predicted() int {
	return len(pairs(r.t, r.watches[r.topics.Predictions].Messages(), predictionKey))
}

// TestKafkaPipeline runs the whole pipeline, every role in its own process,
// on the 3-broker cluster, with topics of replication 3 and
// min.insync.replicas 2 that the roles create: every (cascade, window) is
// predicted exactly once and alerted exactly once, and the topics have the
// partitions asked for, the models topic compacted.
func TestKafkaPipeline(t *testing.T) {
	addrs, dir := kafkaCluster(t)
	r := newKafkaRun(t, addrs, dir, "pipeline")
	fitter, trainer, alerts := r.start()
	reader := r.reader()
	r.drained(reader, 3*time.Minute)
	stopAll(t, 30*time.Second, fitter, trainer, alerts)
	r.check(true)
	r.checkTopics()
}

// brokerPid returns the pid of broker i of the cluster in dir.
func brokerPid(t *testing.T, dir string, i int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("broker-%d.pid", i)))
	if err != nil {
		t.Fatalf("pid of broker %d: %v", i, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid of broker %d: %v", i, err)
	}
	return pid
}

// TestKafkaBrokerAndFitterKilled kills one of the three brokers with
// SIGKILL in the middle of the replay, then the fitter, starts a new
// fitter and the broker again on its data: nothing is lost (every pair is
// predicted, with its stat and sample) and no alert is published twice.
func TestKafkaBrokerAndFitterKilled(t *testing.T) {
	addrs, dir := kafkaCluster(t)
	if dir == "" {
		t.Skipf("real Kafka: $%s unset (the cluster's folder, to kill a broker); make test-kafka sets it", kafkaDirEnv)
	}
	r := newKafkaRun(t, addrs, dir, "kill")
	fitter1, trainer, alerts := r.start()
	reader := r.reader()
	wait(t, 60*time.Second, "4 predictions", r.watches[r.topics.Predictions].Changed, fitter1.exited, func() bool {
		return r.predicted() >= 4
	})
	if reader.done() {
		t.Fatalf("the replay ended before the broker was killed: stderr:\n%s", reader.stderr)
	}
	const victim = 2
	if err := syscall.Kill(brokerPid(t, dir, victim), syscall.SIGKILL); err != nil {
		t.Fatalf("kill broker %d: %v", victim, err)
	}
	t.Logf("broker %d killed with %d predictions seen", victim, r.predicted())
	// The broker comes back while the run goes on.
	var restarted sync.WaitGroup
	restarted.Go(func() {
		time.Sleep(5 * time.Second)
		kafkaScript(t, nil, "restart", dir, strconv.Itoa(victim))
	})
	t.Cleanup(restarted.Wait)
	wait(t, 120*time.Second, "14 predictions", r.watches[r.topics.Predictions].Changed, fitter1.exited, func() bool {
		return r.predicted() >= 14
	})
	if err := fitter1.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill fitter 1: %v", err)
	}
	<-fitter1.exited
	t.Logf("fitter 1 killed with %d predictions seen", r.predicted())
	fitter2 := r.fitter()
	r.drained(reader, 4*time.Minute)
	restarted.Wait()
	stopAll(t, 30*time.Second, fitter2, trainer, alerts)
	r.check(false)
}

// TestKafkaClusterRestart stops the whole cluster in the middle of the
// replay and starts it again on its data: the reader rides out the outage
// (--outage-timeout) and resumes by what the topic holds, the roles that
// gave up are started again, and the run continues where it was, every
// pair predicted, none alerted twice.
//
// (It lost 14 of 40 pairs in one run of three when the reader died in the
// outage and --resume counted events per partition: it sent no watermark
// while it skipped, so a partition whose sending had failed early got its
// next watermark weeks of event time ahead of its clock, which the fitters
// dead-lettered as too far ahead, with the events after it.)
func TestKafkaClusterRestart(t *testing.T) {
	addrs, dir := kafkaCluster(t)
	if dir == "" {
		t.Skipf("real Kafka: $%s unset (the cluster's folder, to stop it); make test-kafka sets it", kafkaDirEnv)
	}
	r := newKafkaRun(t, addrs, dir, "restart")
	fitter, trainer, alerts := r.start()
	// A slower replay than the other tests' (about 35 s): the cluster
	// stops in its middle, which the reader must ride out.
	reader := r.reader("--speed", "100000")
	wait(t, 60*time.Second, "4 predictions", r.watches[r.topics.Predictions].Changed, fitter.exited, func() bool {
		return r.predicted() >= 4
	})
	if _, ok := kafkaScript(t, nil, "down", dir); !ok {
		t.FailNow()
	}
	if reader.done() {
		t.Fatalf("the replay ended before the cluster stopped: stderr:\n%s", reader.stderr)
	}
	t.Logf("cluster stopped with %d predictions seen", r.predicted())
	if _, ok := kafkaScript(t, nil, "up", dir, "3"); !ok {
		t.FailNow()
	}
	t.Log("cluster started again")
	// New clients: the old ones' metadata names leaders of before.
	r.cl, r.admin = streamtest.Client(t, addrs), streamtest.Admin(t, addrs)
	r.waitLeaders(60 * time.Second)
	// A role that ended while the cluster was down ended with 1 and one
	// line saying why; it is started again once the reader has ended (the
	// reader with --resume, if it did not ride out the outage).
	again := func(c *child) *child {
		code := c.cmd.ProcessState.ExitCode()
		t.Logf("%s ended with %d while the cluster was down: %s", c.name, code, lastLine(c.stderr.String()))
		if code != 1 {
			t.Errorf("%s: exit code %d, want 1", c.name, code)
		}
		switch c.name {
		case "trainer":
			return startChild(t, "trainer", r.role("trainer", "--log-level", "warn")...)
		case "alerts":
			return startChild(t, "alerts", r.role("alerts", "--threshold", fmt.Sprint(crashThreshold), "--format", "jsonl", "--log-level", "warn")...)
		case "reader":
			return r.reader("--resume")
		}
		return r.fitter()
	}
	wait(t, 3*time.Minute, "the reader to end", nil, nil, reader.done)
	if code := reader.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the reader did not ride out the outage: exit code %d", code)
		reader = again(reader)
	} else {
		t.Logf("the reader rode out the outage: %s", lastLine(reader.stderr.String()))
	}
	for _, c := range []**child{&fitter, &trainer, &alerts} {
		if (*c).done() {
			*c = again(*c)
		}
	}
	r.drained(reader, 4*time.Minute)
	stopAll(t, 30*time.Second, fitter, trainer, alerts)
	r.check(false)
}

// waitLeaders waits until every partition of the run's topics has a
// leader, as it has not for a while after the cluster has started.
func (r *kafkaRun) waitLeaders(timeout time.Duration) {
	t := r.t
	tp := r.topics
	names := []string{tp.Retweets, tp.Predictions, tp.Samples, tp.Models, tp.Alerts, tp.Stats, tp.DeadLetters}
	var last string
	if !streamtest.Eventually(timeout, nil, func() bool {
		if err := r.cl.RefreshMetadata(names...); err != nil {
			last = err.Error()
			return false
		}
		md, err := r.admin.DescribeTopics(names)
		if err != nil {
			last = err.Error()
			return false
		}
		for _, d := range md {
			for _, p := range d.Partitions {
				if d.Err != sarama.ErrNoError || p.Err != sarama.ErrNoError || p.Leader < 0 {
					last = fmt.Sprintf("%s/%d: %v %v leader %d", d.Name, p.ID, d.Err, p.Err, p.Leader)
					return false
				}
			}
		}
		return true
	}) {
		t.Fatalf("partitions without a leader %v after the restart: %s", timeout, last)
	}
}

// lastLine returns the last line of s that is not empty.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// writeBrokerPEM makes a CA and a certificate of 127.0.0.1 it signs, and
// writes the CA's certificate to ca.pem and the broker's key and
// certificate to broker.pem in dir (the PEM keystore Kafka reads).
func writeBrokerPEM(t *testing.T, dir string) (ca, keystore string) {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hawkes test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ca, keystore = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "broker.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	ks := slices.Concat(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), caPEM)
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keystore, ks, 0o600); err != nil {
		t.Fatal(err)
	}
	return ca, keystore
}

// TestKafkaTLSAndSCRAM starts a one-broker Apache Kafka cluster whose
// client listener takes SASL over TLS, with a certificate signed by a CA
// the test makes and SCRAM users it creates when the storage is formatted,
// then replays a data set through it with each SCRAM mechanism and reads
// it back as a fitter does; then it is refused.
//
// Hostile: a wrong SCRAM password, a user whose topics are missing and who may not create them, and a client without TLS, against Apache Kafka's SASL_SSL listener with ACLs -> the role ends with exit 1 and one line saying why, after retrying for --connect-timeout
func TestKafkaTLSAndSCRAM(t *testing.T) {
	kafkaCluster(t) // skips without a cluster: this one needs the same Java and Maven
	dir := t.TempDir()
	ca, keystore := writeBrokerPEM(t, dir)
	conf := filepath.Join(dir, "tls-sasl.properties")
	props := strings.Join([]string{
		"ssl.keystore.type=PEM",
		"ssl.keystore.location=" + keystore,
		"sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512",
		// ACLs: alice and the plaintext listeners between the nodes may
		// do anything, mallory nothing.
		"authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
		"super.users=User:alice;User:ANONYMOUS",
		"listener.name.client.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
		"listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
	}, "\n") + "\n"
	if err := os.WriteFile(conf, []byte(props), 0o600); err != nil {
		t.Fatal(err)
	}
	cluster := filepath.Join(dir, "cluster")
	env := []string{"KAFKA_CLUSTER_SECURITY=SASL_SSL", "KAFKA_CLUSTER_CONFIG=" + conf,
		"KAFKA_CLUSTER_FORMAT_ARGS=--add-scram SCRAM-SHA-256=[name=alice,password=alice-secret] --add-scram SCRAM-SHA-512=[name=alice,password=alice-secret]" +
			" --add-scram SCRAM-SHA-256=[name=mallory,password=mallory-secret]"}
	addr, ok := kafkaScript(t, env, "up", cluster, "1")
	if !ok {
		t.FailNow()
	}
	t.Cleanup(func() { kafkaScript(t, nil, "down", cluster) })
	data := shared.Path(t, "smh_cascades")
	auth := func(mech, user string) []string {
		return []string{"--brokers", addr, "--tls", "--tls-ca", ca, "--sasl-mechanism", mech, "--sasl-user", user,
			"--connect-timeout", "5s", "--partitions-retweets", "4"}
	}
	for _, tc := range []struct{ mech, user, pass string }{
		{"SCRAM-SHA-256", "alice", "alice-secret"},
		{"SCRAM-SHA-512", "alice", "alice-secret"},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			topic := "tls-" + strings.ToLower(tc.mech)
			args := slices.Concat([]string{"stream", "reader", "--data", data, "--topic-retweets", topic}, auth(tc.mech, tc.user))
			reader := startChild(t, "reader", slices.Concat(args, []string{"--sasl-password", tc.pass})...)
			wait(t, 2*time.Minute, "the replay", nil, nil, reader.done)
			if code := reader.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(reader.stderr.String(), "reader: 2104 events of 20 cascades") {
				t.Fatalf("reader exit code %d, stderr:\n%s", code, reader.stderr)
			}
			// A fitter without fits reads every event back and predicts
			// each cascade on each window; the alerts role, at threshold
			// 1, prints each prediction once (--no-fit predicts the observed size).
			pass := []string{"--sasl-password", tc.pass}
			fitter := startChild(t, "fitter", slices.Concat([]string{"stream", "fitter", "--no-fit", "--window", crashWindowsFlag,
				"--topic-retweets", topic, "--group", topic + "-fitters"}, auth(tc.mech, tc.user), pass)...)
			alerts := startChild(t, "alerts", slices.Concat([]string{"stream", "alerts", "--threshold", "1", "--format", "jsonl",
				"--alerts-group", topic + "-alerts"}, auth(tc.mech, tc.user), pass)...)
			wait(t, 2*time.Minute, "40 alerts", alerts.stdout.changed, alerts.exited, func() bool {
				return strings.Count(alerts.stdout.String(), "\n") >= 40
			})
			stopAll(t, 30*time.Second, fitter, alerts)
			if n := strings.Count(alerts.stdout.String(), "\n"); n != 40 {
				t.Errorf("%d alerts, want 40 (each cascade on each window once)", n)
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"wrong password", slices.Concat(auth("SCRAM-SHA-256", "alice"), []string{"--sasl-password", "wrong"}), "SASL Authentication failed"},
			{"not allowed to create its topics", slices.Concat(auth("SCRAM-SHA-256", "mallory"), []string{"--sasl-password", "mallory-secret",
				"--topic-alerts", "mallory.alerts"}), "not authorized"},
			{"no TLS", []string{"--brokers", addr, "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "alice", "--sasl-password", "alice-secret",
				"--connect-timeout", "5s"}, "gave up after 5s"},
		} {
			began := time.Now()
			c := startChild(t, tc.name, slices.Concat([]string{"stream", "alerts", "--log-level", "error"}, tc.args)...)
			wait(t, time.Minute, tc.name+": the role to end", nil, nil, c.done)
			lines := strings.Split(strings.TrimSpace(c.stderr.String()), "\n")
			last := lines[len(lines)-1]
			if code := c.cmd.ProcessState.ExitCode(); code != 1 || !strings.HasPrefix(last, "hawkes: stream: ") || !strings.Contains(last, tc.want) {
				t.Errorf("%s: exit code %d after %v, last line %q, want 1 and %q", tc.name, code, time.Since(began).Round(time.Millisecond), last, tc.want)
			}
			if strings.Contains(c.stderr.String(), "goroutine ") {
				t.Errorf("%s: a stack trace:\n%s", tc.name, c.stderr)
			}
			t.Logf("%s: exit 1 after %v: %s", tc.name, time.Since(began).Round(time.Millisecond), last)
		}
	})
}

// Hostile: a --kafka-version whose request versions Kafka 4 no longer serves (1.0.0), and brokers where none listens -> the role ends with exit 1 after retrying for --connect-timeout, its one line saying the brokers closed the connection or could not be reached, never a hang
func TestKafkaBadConnection(t *testing.T) {
	addrs, _ := kafkaCluster(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"old protocol", []string{"--brokers", strings.Join(addrs, ","), "--kafka-version", "1.0.0"}, "the brokers closed the connection"},
		{"unreachable", []string{"--brokers", "127.0.0.1:1"}, "connection refused"},
	} {
		began := time.Now()
		c := startChild(t, tc.name, slices.Concat([]string{"stream", "trainer", "--connect-timeout", "3s", "--log-level", "error"}, tc.args)...)
		wait(t, time.Minute, tc.name+": the role to end", nil, nil, c.done)
		last := lastLine(c.stderr.String())
		if code := c.cmd.ProcessState.ExitCode(); code != 1 || !strings.HasPrefix(last, "hawkes: stream: ") || !strings.Contains(last, tc.want) {
			t.Errorf("%s: exit code %d, last line %q, want 1 and %q", tc.name, code, last, tc.want)
		}
		t.Logf("%s: exit 1 after %v: %s", tc.name, time.Since(began).Round(time.Millisecond), last)
	}
}
