package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// albumsRoute is what the reload tests add to the e2e config.
const albumsRoute = `    - route: "GET /albums"
      upstream: photos
      public: true
`

// readyz fetches the admin /readyz body.
func readyz(t *testing.T, inst *instance) readyReport {
	t.Helper()
	res, err := http.Get(inst.admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rep readyReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil || res.StatusCode != 200 {
		t.Fatalf("/readyz: %d %v", res.StatusCode, err)
	}
	return rep
}

// eventually polls cond until it holds or five seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func status(t *testing.T, url string) int {
	t.Helper()
	return mustDo(t, http.DefaultClient, "GET", url).StatusCode
}

func metric(t *testing.T, inst *instance, line string) bool {
	t.Helper()
	res, err := http.Get(inst.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return bytes.Contains(b, []byte(line))
}

// TestReloadOnSIGHUP: a good file is applied on SIGHUP, and /readyz and
// the metrics say so; a bad file is refused with every problem logged as
// `scopegate check` prints it, and the running config keeps serving.
func TestReloadOnSIGHUP(t *testing.T) {
	inst := startInstance(t)
	before := readyz(t, inst)
	if !strings.HasPrefix(before.Config.Hash, "sha256:") || before.Config.Path != inst.configPath {
		t.Fatalf("/readyz config = %+v, want the file's path and sha256", before.Config)
	}
	if got := status(t, inst.issuer+"/albums"); got != http.StatusNotFound {
		t.Fatalf("GET /albums before the reload: %d, want 404", got)
	}
	// Written in place: the poller would see it too, so SIGHUP is sent
	// at once and the trigger checked.
	good := inst.yaml + albumsRoute
	if err := os.WriteFile(inst.configPath, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	inst.hup <- syscall.SIGHUP
	eventually(t, "the new route", func() bool { return status(t, inst.issuer+"/albums") == http.StatusOK })
	after := readyz(t, inst)
	if after.Config.Hash == before.Config.Hash || after.LastReload == nil || after.LastReload.Result != "success" {
		t.Errorf("/readyz after a good reload: config %+v, last reload %+v", after.Config, after.LastReload)
	}
	if !metric(t, inst, `scopegate_config_reload_total{result="success"} 1`) {
		t.Error(`metrics lack scopegate_config_reload_total{result="success"} 1`)
	}
	if !strings.Contains(inst.audit.String(), `"event":"config.reload","result":"success"`) {
		t.Errorf("no config.reload success in the audit log:\n%s", inst.audit.String())
	}

	// A bad file: an undeclared scope and a route naming no upstream.
	bad := good + `    - route: "GET /videos"
      upstream: videos
      scopes: [videos.read]
`
	if err := os.WriteFile(inst.configPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	var checkOut bytes.Buffer
	t.Setenv("PRINTER_SECRET", testSecret) // check reads the process environment
	if err := run(t.Context(), []string{"check", "--config", inst.configPath}, nil, io.Discard, &checkOut); err == nil {
		t.Fatal("check accepted the bad file")
	}
	want := strings.Split(strings.TrimSpace(checkOut.String()), "\n")
	inst.hup <- syscall.SIGHUP
	eventually(t, "the failed reload", func() bool { return metric(t, inst, `scopegate_config_reload_total{result="failure"} 1`) })
	var logged []string
	for _, e := range inst.logs.FilterMessage("config problem").All() {
		logged = append(logged, e.ContextMap()["problem"].(string))
	}
	if strings.Join(logged, "\n") != strings.Join(want, "\n") || len(want) < 2 {
		t.Errorf("reload logged problems\n%q\nwant what check prints\n%q", logged, want)
	}
	if got := status(t, inst.issuer+"/albums"); got != http.StatusOK {
		t.Errorf("GET /albums after a failed reload: %d, want 200 from the running config", got)
	}
	failed := readyz(t, inst)
	if failed.Config.Hash != after.Config.Hash || failed.LastReload.Result != "failure" || len(failed.LastReload.Problems) != len(want) {
		t.Errorf("/readyz after a failed reload: config %+v, last reload %+v", failed.Config, failed.LastReload)
	}
}

// TestReloadWhenFileReplaced: an editor that saves by writing a new file
// and renaming it over the old one triggers a reload without any signal;
// a key that needs a restart is reported and the rest is applied.
func TestReloadWhenFileReplaced(t *testing.T) {
	inst := startInstance(t)
	next := strings.Replace(inst.yaml+albumsRoute, "level: debug", "level: info", 1)
	tmp := filepath.Join(filepath.Dir(inst.configPath), ".e2e.yaml.swp")
	if err := os.WriteFile(tmp, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, inst.configPath); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new route", func() bool { return status(t, inst.issuer+"/albums") == http.StatusOK })
	rep := readyz(t, inst)
	if rep.LastReload.Trigger != "file" || strings.Join(rep.LastReload.RestartRequired, ",") != "log.level" {
		t.Errorf("last reload = %+v, want trigger file and restart_required [log.level]", rep.LastReload)
	}
	if inst.logs.FilterMessage("config key changed but needs a restart; the running value is kept").Len() != 1 {
		t.Error("the restart-only key was not reported in the log")
	}
}

// TestReloadInFlight: a request that started before a reload finishes on
// the config it started with, even when the reload removes its route and
// moves its upstream; requests during a storm of reloads all succeed and
// each is answered wholly by one config or the other.
func TestReloadInFlight(t *testing.T) {
	inst := startInstance(t)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "old")
	}))
	defer slow.Close()
	fresh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "new") }))
	defer fresh.Close()
	cfgA := inst.yaml + `    - route: "GET /slow"
      upstream: photos
      public: true
`
	cfgA = strings.Replace(cfgA, "      url: \""+inst.backendURL+"\"", "      url: \""+slow.URL+"\"", 1)
	cfgB := strings.Replace(inst.yaml, "      url: \""+inst.backendURL+"\"", "      url: \""+fresh.URL+"\"", 1) + albumsRoute
	reloadTo := func(content string) {
		t.Helper()
		if err := os.WriteFile(inst.configPath, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		inst.hup <- syscall.SIGHUP
	}
	reloadTo(cfgA)
	eventually(t, "config A", func() bool { return readyz(t, inst).LastReload != nil })

	got := make(chan string, 1)
	go func() {
		res, err := http.Get(inst.issuer + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- res.Status + " " + string(b)
	}()
	<-entered
	reloadTo(cfgB)
	eventually(t, "config B", func() bool { return status(t, inst.issuer+"/albums") == http.StatusOK })
	if s := status(t, inst.issuer+"/slow"); s != http.StatusNotFound {
		t.Errorf("GET /slow after config B: %d, want 404", s)
	}
	close(release)
	if g := <-got; g != "200 OK old" {
		t.Errorf("request in flight across the reload got %q, want 200 OK old", g)
	}

	// A storm: reloads between two configs while requests run.
	cfgC := strings.Replace(cfgB, fresh.URL, slow.URL, 1)
	slowOK := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "C") }))
	defer slowOK.Close()
	cfgC = strings.Replace(cfgC, slow.URL, slowOK.URL, 1)
	var failed atomic.Int32
	var answers sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := http.Get(inst.issuer + "/albums")
				if err != nil || res.StatusCode != 200 {
					failed.Add(1)
					if err == nil {
						res.Body.Close()
					}
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				answers.Store(string(b), true)
			}
		})
	}
	for i := range 10 {
		content := cfgB
		if i%2 == 0 {
			content = cfgC
		}
		if err := inst.reloadNow(content); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d requests failed during reloads, want none", n)
	}
	answers.Range(func(k, _ any) bool {
		if k != "new" && k != "C" {
			t.Errorf("an answer during reloads was %q, want new or C", k)
		}
		return true
	})
}

// reloadNow writes content to the config file, sends SIGHUP and waits
// until the reload is done, returning an error if it failed.
func (inst *instance) reloadNow(content string) error {
	before := strings.Count(inst.audit.String(), `"event":"config.reload"`)
	if err := os.WriteFile(inst.configPath, []byte(content), 0o600); err != nil {
		return err
	}
	inst.hup <- syscall.SIGHUP
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		log := inst.audit.String()
		if strings.Count(log, `"event":"config.reload"`) > before {
			lines := strings.Split(strings.TrimSpace(log), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, `"result":"success"`) {
				return errors.New("reload failed: " + last)
			}
			return nil
		}
	}
	return errors.New("reload did not finish")
}
