// Package schema holds the JSON Schema (2020-12) of the Leasefile, embedded in the binary so
// that `leasefile validate` needs no network and `leasefile schema` can print it for editors.
// Nothing else lives here: the semantic rules the schema cannot express are in package spec.
package schema

import _ "embed"

// JSON is the Leasefile JSON Schema, as shipped in lease.schema.json.
//
//go:embed lease.schema.json
var JSON []byte

// ID is the schema's $id, the URL editors and the validator know it by.
const ID = "https://github.com/chameleoncloud/leasefile/schema/lease.schema.json"
