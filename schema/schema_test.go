package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"go.yaml.in/yaml/v3"
)

const draft07 = "http://json-schema.org/draft-07/schema#"

// compile07 compiles a schema document with a draft-07 validator, after checking that the
// document declares draft-07 and validates against draft-07's meta-schema: VS Code's YAML
// language server validates with draft-07 and only warns on other drafts.
func compile07(t *testing.T, id string, doc []byte) *jsonschema.Schema {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	if v["$schema"] != draft07 {
		t.Errorf("%s: $schema is %v, want %s", id, v["$schema"], draft07)
	}
	if v["$id"] != id {
		t.Errorf("$id is %v, want %s", v["$id"], id)
	}
	meta, err := jsonschema.Compile(strings.TrimSuffix(draft07, "#"))
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(v); err != nil {
		t.Errorf("%s is not a valid draft-07 schema: %v", id, err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	if err := c.AddResource(id, bytes.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return sch
}

// yamlValue converts a YAML node the way a YAML 1.2 language server reads it: an unquoted
// timestamp is a string, not a time.
func yamlValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = yamlValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, yamlValue(c))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	case "!!null":
		return nil
	}
	return n.Value
}

var modeline = regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=(\S+)$`)

// TestEditorSchema: the Leasefile schema is draft-07, every example and the README's Leasefile
// validate under a draft-07 validator, and the modelines name the schema's $id.
func TestEditorSchema(t *testing.T) {
	sch := compile07(t, ID, JSON)
	docs := map[string][]byte{}
	paths, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("examples: %v %v", paths, err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[p] = data
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, block := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1) {
		if modeline.Match(block[1]) {
			docs["README.md yaml block "+strconv.Itoa(i+1)] = block[1]
		}
	}
	if len(docs) == len(paths) {
		t.Error("README.md has no Leasefile with a yaml-language-server modeline")
	}
	for name, data := range docs {
		m := modeline.FindSubmatch(data)
		if m == nil {
			t.Errorf("%s: no yaml-language-server modeline", name)
		} else if string(m[1]) != ID {
			t.Errorf("%s: modeline names %s, the schema's $id is %s", name, m[1], ID)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := sch.Validate(yamlValue(&n)); err != nil {
			t.Errorf("%s does not validate under draft-07: %v", name, err)
		}
	}
}

func TestPlanSchemaIsDraft07(t *testing.T) {
	data, err := os.ReadFile("plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	compile07(t, "https://raw.githubusercontent.com/chameleoncloud/leasefile/main/schema/plan.schema.json", data)
}

// TestSchemaStoreEntry: the catalog entry to submit to SchemaStore matches the default
// Leasefile names and points at the schema's $id.
func TestSchemaStoreEntry(t *testing.T) {
	data, err := os.ReadFile("../docs/schemastore-catalog-entry.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Name, Description, URL string
		FileMatch              []string
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	if e.URL != ID {
		t.Errorf("url %s, want the schema's $id %s", e.URL, ID)
	}
	for _, f := range []string{"Leasefile", "Leasefile.yaml", "leasefile.yaml"} {
		if !slices.Contains(e.FileMatch, f) {
			t.Errorf("fileMatch %v lacks %s", e.FileMatch, f)
		}
	}
	if e.Name == "" || e.Description == "" {
		t.Error("name and description are required by SchemaStore")
	}
}
