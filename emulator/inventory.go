package emulator

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Demo credentials served by every default site.
const (
	DemoUser          = "demo"
	DemoPassword      = "demo"
	DemoProject       = "demo"
	DemoDomain        = "Default"
	OtherUser         = "other"
	OtherPassword     = "other"
	OtherProject      = "other"
	DemoAppCredID     = "demo-appcred"
	DemoAppCredName   = "demo-appcred"
	DemoAppCredSecret = "demo-secret"
	// RestrictedAppCredID is a restricted application credential of the
	// demo user: it authenticates, but creating a lease with it fails with
	// Blazar's bare 500 because Keystone refuses to create the trust.
	RestrictedAppCredID     = "demo-restricted"
	RestrictedAppCredSecret = "demo-restricted-secret"
)

// Inventory is everything the emulator serves: identities (shared by all
// sites, as with Chameleon's federated login) and one entry per site.
type Inventory struct {
	Users    []User    `json:"users,omitempty"`
	Projects []Project `json:"projects,omitempty"`
	AppCreds []AppCred `json:"application_credentials,omitempty"`
	// Blazar and Keystone are the profiles ("chameleon" or "upstream"; "legacy", "fixed" or
	// "insecure-escalation"); a Config setting wins.
	Blazar   string `json:"blazar,omitempty"`
	Keystone string `json:"keystone,omitempty"`
	Sites    []Site `json:"sites"`
}

// User is a Keystone user in domain "Default" with one project.
type User struct {
	ID       string `json:"id,omitempty"` // default: derived from the name
	Name     string `json:"name"`
	Password string `json:"password"`
	Project  string `json:"project"` // project name
}

// Project is a Keystone project in domain "Default".
type Project struct {
	ID   string `json:"id,omitempty"` // default: derived from the name
	Name string `json:"name"`
}

// AppCred is an application credential of a user, scoped to the user's project.
type AppCred struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Secret     string `json:"secret"`
	User       string `json:"user"` // user name
	Restricted bool   `json:"restricted,omitempty"`
}

// Site is one Chameleon-like site: its Blazar settings and its resources.
type Site struct {
	Name string `json:"name"` // also the region id, e.g. "CHI@UC"
	// MinutesBeforeEnd places the before_end_lease event (nil: Blazar's 60;
	// Chameleon uses 2880; 0: no event).
	MinutesBeforeEnd *int `json:"minutes_before_end,omitempty"`
	// CleaningGapMinutes is kept free around every reservation.
	CleaningGapMinutes int `json:"cleaning_gap_minutes,omitempty"`
	// MaxLeaseSeconds and ExtensionWindowSeconds enable Chameleon's
	// MaxLeaseDurationFilter when MaxLeaseSeconds > 0.
	MaxLeaseSeconds        int `json:"max_lease_seconds,omitempty"`
	ExtensionWindowSeconds int `json:"extension_window_seconds,omitempty"`
	// DeleteReturnsEmptyObject makes DELETE answer Chameleon's 200 {}
	// instead of upstream's 204.
	DeleteReturnsEmptyObject bool          `json:"delete_returns_empty_object,omitempty"`
	Hosts                    []Host        `json:"hosts,omitempty"`
	Devices                  []Device      `json:"devices,omitempty"`
	Segments                 []Segment     `json:"network_segments,omitempty"`
	FloatingIPs              *FloatingPool `json:"floating_ips,omitempty"`
	// Flavors are the Nova flavors of a KVM site (KVM@TACC), which flavor:instance
	// reservations reserve instances of; a site with flavors has a compute endpoint.
	Flavors []Flavor `json:"flavors,omitempty"`
}

// Flavor is a Nova flavor and how many instances of it the site can hold at once.
type Flavor struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	VCPUs    int    `json:"vcpus"`
	RAM      int    `json:"ram"` // MB
	Disk     int    `json:"disk"`
	Capacity int    `json:"capacity"` // instances reservable at once
}

// Host is a Blazar compute host; Extra holds the extra capabilities that
// Blazar shows as flat top-level string keys.
type Host struct {
	ID       string            `json:"id"` // a UUID on Chameleon (the default inventory's); any unique string
	Hostname string            `json:"hypervisor_hostname"`
	VCPUs    int               `json:"vcpus"`
	MemoryMB int               `json:"memory_mb"`
	LocalGB  int               `json:"local_gb"`
	Extra    map[string]string `json:"extra,omitempty"`
}

// Device is a CHI@Edge device (Chameleon's Blazar fork).
type Device struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	DeviceType   string            `json:"device_type"`   // container, vm, shell
	DeviceDriver string            `json:"device_driver"` // zun, k8s
	Extra        map[string]string `json:"extra,omitempty"`
}

// Segment is a reservable VLAN segment (Chameleon's Blazar fork).
type Segment struct {
	ID              string            `json:"id"`
	NetworkType     string            `json:"network_type"`
	PhysicalNetwork string            `json:"physical_network"`
	SegmentID       int               `json:"segment_id"`
	Extra           map[string]string `json:"extra,omitempty"`
}

// FloatingPool is the reservable floating IPs of the site's external
// Neutron network.
type FloatingPool struct {
	NetworkName string   `json:"network_name"` // "public"
	NetworkID   string   `json:"network_id,omitempty"`
	SubnetID    string   `json:"subnet_id,omitempty"`
	CIDR        string   `json:"cidr"`
	Gateway     string   `json:"gateway_ip,omitempty"`
	Addresses   []string `json:"addresses"`
}

// Slug is the URL path segment of a site: lower case, '@' replaced by '-'.
func Slug(site string) string {
	return strings.ReplaceAll(strings.ToLower(site), "@", "-")
}

func intp(n int) *int { return &n }

// DefaultInventory is modelled on Chameleon: CHI@UC and CHI@TACC with
// several bare-metal node types (scarce GPU nodes), VLAN segments and a
// floating-IP pool, CHI@Edge with devices, and KVM@TACC with Nova flavors. Chameleon's lease policy
// (7 days, extension within 48 h of the end) is on at the bare-metal sites.
func DefaultInventory() *Inventory {
	inv := &Inventory{}
	inv.normalizeIdentities()
	type nodeType struct {
		name, platform, cpu, gpu string
		n, vcpus, smt, mem, disk int
		su                       string
	}
	uc := []nodeType{
		{"compute_skylake", "x86_64", "Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz", "", 8, 48, 48, 196608, 240, "1.0"},
		{"compute_cascadelake_r", "x86_64", "Intel(R) Xeon(R) Gold 6240R CPU @ 2.40GHz", "", 6, 96, 96, 196608, 480, "1.0"},
		{"compute_icelake_r650", "x86_64", "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "", 6, 160, 160, 262144, 480, "1.0"},
		{"storage_hierarchy", "x86_64", "Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz", "", 3, 40, 40, 524288, 4000, "1.0"},
		{"gpu_rtx_6000", "x86_64", "Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz", "Quadro RTX 6000", 3, 48, 48, 196608, 240, "2.0"},
		{"gpu_a100_pcie", "x86_64", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "A100-PCIE-40GB", 2, 128, 128, 262144, 480, "3.0"},
	}
	tacc := []nodeType{
		{"compute_skylake", "x86_64", "Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz", "", 6, 48, 48, 196608, 240, "1.0"},
		{"compute_cascadelake_r", "x86_64", "Intel(R) Xeon(R) Gold 6240R CPU @ 2.40GHz", "", 8, 96, 96, 196608, 480, "1.0"},
		{"compute_icelake_r650", "x86_64", "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "", 4, 160, 160, 262144, 480, "1.0"},
		{"storage_hierarchy", "x86_64", "Intel(R) Xeon(R) CPU E5-2650 v3 @ 2.30GHz", "", 2, 40, 40, 524288, 4000, "1.0"},
		{"gpu_rtx_6000", "x86_64", "Intel(R) Xeon(R) Gold 6126 CPU @ 2.60GHz", "Quadro RTX 6000", 4, 48, 48, 196608, 240, "2.0"},
		{"gpu_a100_pcie", "x86_64", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "A100-PCIE-40GB", 2, 128, 128, 262144, 480, "3.0"},
		{"compute_arm64", "aarch64", "Fujitsu A64FX", "", 2, 48, 48, 32768, 480, "1.0"},
	}
	bareMetal := func(name, prefix string, types []nodeType, fipBase string) Site {
		s := Site{Name: name, MinutesBeforeEnd: intp(2880), MaxLeaseSeconds: 604800, ExtensionWindowSeconds: 172800}
		id := 0
		for _, t := range types {
			for i := 1; i <= t.n; i++ {
				id++
				nodeName := fmt.Sprintf("%s%02d-%s", prefix, i, strings.ReplaceAll(t.name, "_", "-"))
				extra := map[string]string{
					"node_type":                      t.name,
					"node_name":                      nodeName,
					"uid":                            stableUUID(name + "/node/" + strconv.Itoa(id)),
					"architecture.platform_type":     t.platform,
					"architecture.smt_size":          strconv.Itoa(t.smt),
					"processor.model":                t.cpu,
					"main_memory.humanized_ram_size": fmt.Sprintf("%d GiB", t.mem/1024),
					"gpu.gpu":                        strconv.FormatBool(t.gpu != ""),
					"su_factor":                      t.su,
					"placement.rack":                 strconv.Itoa(1 + (id-1)/8),
					"authorized_projects":            "",
				}
				if t.gpu != "" {
					extra["gpu.gpu_model"] = t.gpu
					extra["gpu.gpu_count"] = "1"
				}
				s.Hosts = append(s.Hosts, Host{ID: stableUUID(name + "/host/" + strconv.Itoa(id)), Hostname: stableUUID(name + "/hv/" + strconv.Itoa(id)),
					VCPUs: t.vcpus, MemoryMB: t.mem, LocalGB: t.disk, Extra: extra})
			}
		}
		for v := 0; v < 20; v++ {
			s.Segments = append(s.Segments, Segment{ID: strconv.Itoa(v + 1), NetworkType: "vlan", PhysicalNetwork: "physnet1",
				SegmentID: 3000 + v, Extra: map[string]string{"usage_type": "", "stitch_provider": ""}})
		}
		for v := 0; v < 2; v++ {
			s.Segments = append(s.Segments, Segment{ID: strconv.Itoa(21 + v), NetworkType: "vlan", PhysicalNetwork: "exogeni",
				SegmentID: 3290 + v, Extra: map[string]string{"usage_type": "", "stitch_provider": "fabric"}})
		}
		pool := &FloatingPool{NetworkName: "public", CIDR: fipBase + ".0/24", Gateway: fipBase + ".1"}
		for a := 101; a < 121; a++ {
			pool.Addresses = append(pool.Addresses, fmt.Sprintf("%s.%d", fipBase, a))
		}
		s.FloatingIPs = pool
		return s
	}
	inv.Sites = append(inv.Sites, bareMetal("CHI@UC", "uc", uc, "192.0.2"), bareMetal("CHI@TACC", "tacc", tacc, "198.51.100"))
	edge := Site{Name: "CHI@Edge", MinutesBeforeEnd: intp(2880)}
	devs := []struct {
		machine, model, vendor string
		n                      int
	}{{"raspberrypi4-64", "Raspberry Pi 4 Model B", "Raspberry Pi", 8}, {"jetson-nano", "Jetson Nano", "NVIDIA", 4}}
	id := 0
	for _, d := range devs {
		for i := 1; i <= d.n; i++ {
			id++
			name := fmt.Sprintf("%s-%02d", d.machine, i)
			edge.Devices = append(edge.Devices, Device{ID: stableUUID("CHI@Edge/device/" + name), Name: name,
				DeviceType: "container", DeviceDriver: "k8s", Extra: map[string]string{
					"uid": stableUUID("CHI@Edge/uid/" + name), "machine_name": d.machine, "model": d.model,
					"vendor": d.vendor, "platform_version": "2", "authorized_projects": "",
				}})
		}
	}
	inv.Sites = append(inv.Sites, edge)
	// KVM@TACC reserves instances of Nova flavors (flavor:instance), not hardware.
	inv.Sites = append(inv.Sites, Site{Name: "KVM@TACC", Flavors: []Flavor{
		{ID: stableUUID("KVM@TACC/flavor/m1.small"), Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20, Capacity: 8},
		{ID: stableUUID("KVM@TACC/flavor/m1.medium"), Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40, Capacity: 4},
		{ID: stableUUID("KVM@TACC/flavor/m1.large"), Name: "m1.large", VCPUs: 4, RAM: 8192, Disk: 40, Capacity: 2},
	}})
	return inv
}

// LoadInventory reads an inventory from a JSON file (format in doc.go).
// Users, projects and application credentials default to the demo set.
func LoadInventory(path string) (*Inventory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator inventory: %w", err)
	}
	var inv Inventory
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("emulator inventory %s: %w", path, err)
	}
	if err := inv.check(); err != nil {
		return nil, fmt.Errorf("emulator inventory %s: %w", path, err)
	}
	return &inv, nil
}

// normalizeIdentities fills in the demo identities and derived ids.
func (inv *Inventory) normalizeIdentities() {
	if len(inv.Users) == 0 {
		inv.Users = []User{{Name: DemoUser, Password: DemoPassword, Project: DemoProject}, {Name: OtherUser, Password: OtherPassword, Project: OtherProject}}
	}
	if len(inv.Projects) == 0 {
		inv.Projects = []Project{{Name: DemoProject}, {Name: OtherProject}}
	}
	if len(inv.AppCreds) == 0 {
		inv.AppCreds = []AppCred{
			{ID: DemoAppCredID, Name: DemoAppCredName, Secret: DemoAppCredSecret, User: DemoUser},
			{ID: RestrictedAppCredID, Name: "demo-restricted", Secret: RestrictedAppCredSecret, User: DemoUser, Restricted: true},
		}
	}
	for i := range inv.Users {
		if inv.Users[i].ID == "" {
			inv.Users[i].ID = hexID("user/" + inv.Users[i].Name)
		}
	}
	for i := range inv.Projects {
		if inv.Projects[i].ID == "" {
			inv.Projects[i].ID = hexID("project/" + inv.Projects[i].Name)
		}
	}
}

func (inv *Inventory) check() error {
	inv.normalizeIdentities()
	if len(inv.Sites) == 0 {
		return fmt.Errorf("no sites")
	}
	if err := checkProfiles(inv.Blazar, inv.Keystone); err != nil {
		return err
	}
	projects := map[string]bool{}
	for _, p := range inv.Projects {
		projects[p.Name] = true
	}
	users := map[string]bool{}
	for _, u := range inv.Users {
		if !projects[u.Project] {
			return fmt.Errorf("user %q: unknown project %q", u.Name, u.Project)
		}
		users[u.Name] = true
	}
	for _, a := range inv.AppCreds {
		if !users[a.User] || a.ID == "" || a.Secret == "" {
			return fmt.Errorf("application credential %q: needs id, secret and a known user", a.Name)
		}
	}
	seen := map[string]bool{}
	for i := range inv.Sites {
		s := &inv.Sites[i]
		if s.Name == "" || seen[Slug(s.Name)] {
			return fmt.Errorf("site %d: empty or duplicate name %q", i, s.Name)
		}
		seen[Slug(s.Name)] = true
		ids := map[string]bool{}
		for j, h := range s.Hosts {
			if h.ID == "" || h.Hostname == "" || ids[h.ID] {
				return fmt.Errorf("site %s: host %d: needs a unique id and a hypervisor_hostname", s.Name, j)
			}
			ids[h.ID] = true
		}
		names := map[string]bool{}
		for j, d := range s.Devices {
			if d.ID == "" || d.Name == "" || names[d.Name] || ids["d"+d.ID] {
				return fmt.Errorf("site %s: device %d: needs a unique id and a unique name", s.Name, j)
			}
			names[d.Name], ids["d"+d.ID] = true, true
		}
		for j, g := range s.Segments {
			if g.ID == "" || ids["n"+g.ID] {
				return fmt.Errorf("site %s: network segment %d: needs a unique id", s.Name, j)
			}
			ids["n"+g.ID] = true
		}
		if p := s.FloatingIPs; p != nil {
			if p.NetworkName == "" {
				p.NetworkName = "public"
			}
			pfx, err := netip.ParsePrefix(p.CIDR)
			if err != nil {
				return fmt.Errorf("site %s: floating_ips.cidr: %w", s.Name, err)
			}
			for _, a := range p.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil || !pfx.Contains(ip) {
					return fmt.Errorf("site %s: floating IP %q is not an address in %s", s.Name, a, p.CIDR)
				}
			}
		}
	}
	return nil
}
