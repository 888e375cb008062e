// Package schema holds the JSON Schema (draft-07, which VS Code's YAML language server
// validates with) of the Leasefile, embedded in the binary so that `leasefile validate` needs
// no network and `leasefile schema` can print it for editors. Its $id is the URL it is
// published at, the one the README's and the examples' yaml-language-server modelines name.
// Nothing else lives here: the semantic rules the schema cannot express are in package spec.
package schema

import _ "embed"

// JSON is the Leasefile JSON Schema, as shipped in lease.schema.json.
//
//go:embed lease.schema.json
var JSON []byte

// ID is the schema's $id, the URL editors and the validator know it by.
const ID = "https://raw.githubusercontent.com/chameleoncloud/leasefile/main/schema/lease.schema.json"
