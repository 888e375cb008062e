package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ignoreBaseline = cmpopts.IgnoreUnexported(File{})

// sample returns a state with every field set, times in a non-UTC zone.
func sample() *File {
	chicago := time.FixedZone("CDT", -5*3600)
	f := New()
	f.Lineage = "0b4f7a4e-0000-4000-8000-000000000001"
	f.SetSite("CHI@UC", Identity{AuthURL: "https://chi.uc.chameleoncloud.org:5000/v3", ProjectID: "p1", UserID: "u1"})
	f.SetLease("training", &Lease{
		ID: "lease-1", Name: "training", Site: "CHI@UC", Status: "ACTIVE",
		Start:     time.Date(2026, 5, 1, 5, 0, 0, 0, chicago),
		End:       time.Date(2026, 5, 2, 5, 0, 0, 0, chicago),
		UpdatedAt: "2026-05-01T10:00:03.000000",
		Reservations: map[string]Reservation{
			"gpus": {ID: "res-1", ResourceType: "physical:host"},
			"fip":  {ID: "res-2", ResourceType: "virtual:floatingip"},
		},
		CreatedAt: time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC),
	})
	f.AddIntent(Intent{Key: "eval", Site: "CHI@UC", Name: "eval", Time: time.Date(2026, 4, 30, 4, 0, 0, 0, chicago)})
	return f
}

const sampleJSON = `{
  "format_version": 1,
  "lineage": "0b4f7a4e-0000-4000-8000-000000000001",
  "serial": 1,
  "sites": {
    "CHI@UC": {
      "auth_url": "https://chi.uc.chameleoncloud.org:5000/v3",
      "project_id": "p1",
      "user_id": "u1"
    }
  },
  "leases": {
    "training": {
      "id": "lease-1",
      "name": "training",
      "site": "CHI@UC",
      "status": "ACTIVE",
      "start": "2026-05-01T10:00:00Z",
      "end": "2026-05-02T10:00:00Z",
      "updated_at": "2026-05-01T10:00:03.000000",
      "reservations": {
        "fip": {
          "id": "res-2",
          "resource_type": "virtual:floatingip"
        },
        "gpus": {
          "id": "res-1",
          "resource_type": "physical:host"
        }
      },
      "created_at": "2026-04-30T09:00:00Z"
    }
  },
  "intents": [
    {
      "key": "eval",
      "site": "CHI@UC",
      "name": "eval",
      "time": "2026-04-30T09:00:00Z"
    }
  ]
}
`

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	f := sample()
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleJSON, string(data)); diff != "" {
		t.Errorf("file content (-want +got):\n%s", diff)
	}
	got, existed, err := LoadOrNew(path)
	if err != nil || !existed {
		t.Fatalf("LoadOrNew = existed %v, err %v", existed, err)
	}
	if diff := cmp.Diff(f, got, ignoreBaseline); diff != "" {
		t.Errorf("loaded state (-want +got):\n%s", diff)
	}
	// A loaded state saved unchanged must not be written again.
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	if got.Serial != 1 {
		t.Errorf("serial after saving an unchanged loaded state = %d, want 1", got.Serial)
	}
}

// TestSaveComparesWithTheFileRead: what a save compares with is the state as read, made from
// the file's bytes once a save needs it (Load leaves it for later, as a plan saves nothing),
// not from the state as changed since, through the stored pointers or in a clone.
func TestSaveComparesWithTheFileRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	if err := sample().Save(path); err != nil {
		t.Fatal(err)
	}
	load := func() *File {
		t.Helper()
		f, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := load()
	l, _ := f.Lease("training")
	l.Status = "TERMINATED"
	l.Reservations["gpus"] = Reservation{ID: "res-9"}
	c := f.Clone()
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if f.Serial != 2 || load().Serial != 2 {
		t.Fatalf("a change made after Load: serial %d in memory, %d in the file; want 2", f.Serial, load().Serial)
	}
	if err := c.Save(path + ".copy"); err != nil {
		t.Fatal(err)
	}
	if c.Serial != 2 {
		t.Errorf("the clone of a changed state saved at serial %d, want 2", c.Serial)
	}
	g := load()
	g.Clone() // a clone of an unsettled state leaves it unsettled
	if err := g.Save(path); err != nil {
		t.Fatal(err)
	}
	if g.Serial != 2 {
		t.Errorf("an unchanged state saved at serial %d, want 2", g.Serial)
	}
	if r, ok := load().diff(); !ok || !r.empty() {
		t.Errorf("a state just read differs from its snapshot: %+v, %v", r, ok)
	}
}

func TestLoadOrNewMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	f, existed, err := LoadOrNew(path)
	if err != nil || existed {
		t.Fatalf("LoadOrNew = existed %v, err %v; want false, nil", existed, err)
	}
	want := &File{FormatVersion: FormatVersion, Lineage: f.Lineage, Sites: map[string]Identity{}, Leases: map[string]*Lease{}}
	if diff := cmp.Diff(want, f, ignoreBaseline); diff != "" || f.Lineage == "" {
		t.Errorf("new state (-want +got):\n%s (lineage %q)", diff, f.Lineage)
	}
	if _, err := Load(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadOrNew created the file: %v", err)
	}
}

// TestSerialAndBackup saves a sequence of states and checks after each save
// the serial, the file's serial and whether the backup is the previous file.
func TestSerialAndBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	f := New()
	steps := []struct {
		name       string
		mutate     func(*File)
		wantSerial int64
		wantBackup int64 // serial in the .backup file; 0 = no backup
	}{
		{"first save of a new state writes", func(*File) {}, 1, 0},
		{"no change, no write", func(*File) {}, 1, 0},
		{"add lease", func(f *File) { f.SetLease("a", &Lease{ID: "1"}) }, 2, 1},
		{"same lease again", func(f *File) { f.SetLease("a", &Lease{ID: "1"}) }, 2, 1},
		{"same instant in another zone", func(f *File) {
			l, _ := f.Lease("a")
			l.End = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}, 3, 2},
		{"equal time, other zone", func(f *File) {
			l, _ := f.Lease("a")
			l.End = l.End.In(time.FixedZone("X", 3600))
		}, 3, 2},
		{"serial edited by hand is not content", func(f *File) { f.Serial = 3 }, 3, 2},
		{"remove lease", func(f *File) { f.RemoveLease("a") }, 4, 3},
	}
	for _, s := range steps {
		s.mutate(f)
		if err := f.Save(path); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		disk, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var backup int64
		if b, err := Load(path + ".backup"); err == nil {
			backup = b.Serial
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := []int64{f.Serial, disk.Serial, backup}
		want := []int64{s.wantSerial, s.wantSerial, s.wantBackup}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: [memory, file, backup] serials (-want +got):\n%s", s.name, diff)
		}
	}
}

func TestSaveMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	// A previous file with loose permissions gets tightened.
	if err := os.WriteFile(path, []byte(sampleJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f.SetLease("b", &Lease{ID: "2"})
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".backup"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fs.FileMode(0o600), st.Mode().Perm()); diff != "" {
			t.Errorf("%s mode (-want +got):\n%s", filepath.Base(p), diff)
		}
	}
}

// TestSaveFailureLeavesOldFile makes a save fail at two points and checks the
// old file, the backup, the in-memory serial and that no temp file is left.
func TestSaveFailureLeavesOldFile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"rename fails", func(t *testing.T, path string) {
			testOnlyBeforeRename = func(tmp string) error {
				if strings.HasPrefix(filepath.Base(tmp), "."+DefaultFileName+".tmp-") {
					return errors.New("injected")
				}
				return nil
			}
			t.Cleanup(func() { testOnlyBeforeRename = nil })
		}},
		{"backup cannot be written", func(t *testing.T, path string) {
			// A non-empty directory where the backup goes: rename onto it
			// fails even for root.
			if err := os.MkdirAll(filepath.Join(path+".backup", "x"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, DefaultFileName)
			f := sample()
			if err := f.Save(path); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, path)
			f.SetLease("new", &Lease{ID: "n"})
			if err := f.Save(path); err == nil {
				t.Fatal("Save succeeded, want an error")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sampleJSON, string(data)); diff != "" {
				t.Errorf("file after failed save (-want +got):\n%s", diff)
			}
			if f.Serial != 1 {
				t.Errorf("serial after failed save = %d, want 1", f.Serial)
			}
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff(2, len(names)); diff != "" {
				t.Errorf("files left in dir %v (-want +got count):\n%s", names, diff)
			}
			// The change is kept and written by the next successful save.
			testOnlyBeforeRename = nil
			os.RemoveAll(path + ".backup")
			if err := f.Save(path); err != nil {
				t.Fatal(err)
			}
			if f.Serial != 2 {
				t.Errorf("serial after retry = %d, want 2", f.Serial)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
		newer   bool
	}{
		{"newer format", `{"format_version": 2, "lineage": "x", "serial": 3}`,
			[]string{"format version 2", "up to version 1", "upgrade leasefile"}, true},
		{"truncated", "{\n  \"format_version\": 1,\n  \"lineage\": ",
			[]string{"corrupt JSON at line 3", ".backup"}, false},
		{"empty", "", []string{"corrupt JSON"}, false},
		{"wrong type", "{\n  \"format_version\": 1,\n  \"lineage\": \"x\",\n  \"serial\": \"one\"\n}",
			[]string{"corrupt JSON at line 4"}, false},
		{"no version", `{"lineage": "x"}`, []string{"not a leasefile state"}, false},
		{"no lineage", `{"format_version": 1}`, []string{"no lineage"}, false},
		{"null lease", `{"format_version": 1, "lineage": "x", "leases": {"a": null}}`, []string{`lease "a" is null`}, false},
		{"year out of range in UTC", `{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "l", "start": "0000-01-01T00:00:00+01:00"}}}`,
			[]string{"encode state", "year outside of range"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), DefaultFileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrNew(path)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range append(tt.want, path) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if got := errors.Is(err, ErrNewerFormat); got != tt.newer {
				t.Errorf("errors.Is(err, ErrNewerFormat) = %v, want %v", got, tt.newer)
			}
		})
	}
}

// TestLoadBounded: a huge or deeply nested state file is refused, positioned where it can be,
// at a cost measured in bytes allocated rather than the size of the file.
func TestLoadBounded(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "`)
	if err := f.Truncate(1 << 30); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = Load(huge)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "1073741824 bytes") {
		t.Errorf("a 1 GiB state: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing a 1 GiB state allocated %d MB", alloc>>20)
	}

	deep := filepath.Join(dir, "deep.json")
	content := `{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "l", "x": ` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}}}"
	if err := os.WriteFile(deep, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(deep); err == nil || !strings.Contains(err.Error(), "nested more than 32 levels deep at line 1, column 101") {
		t.Errorf("a deeply nested state: %v", err)
	}
	// Brackets inside strings are text, not nesting.
	text := `{"format_version": 1, "lineage": "x", "leases": {"a": {"id": "l", "name": "` + strings.Repeat(`[{\"`, 100) + `"}}}`
	if err := os.WriteFile(deep, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(deep); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
}

// TestSaveRemovesLeftovers: a save killed between writing its temporary file and the rename
// leaves the file behind; the next save removes it, and nothing else.
func TestSaveRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DefaultFileName)
	f := sample()
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, base := range []string{DefaultFileName, DefaultFileName + ".backup"} {
		tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
		if err != nil {
			t.Fatal(err)
		}
		tmp.WriteString(`{"format_version": 1, "lineage": "half-written`)
		tmp.Close()
		left = append(left, tmp.Name())
	}
	others := []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, ".other.json.tmp-1"), filepath.Join(dir, "plan.json")}
	for _, p := range others {
		if err := os.WriteFile(p, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f.RemoveLease("training")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after the next save (%v)", filepath.Base(p), err)
		}
	}
	for _, p := range others {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}
