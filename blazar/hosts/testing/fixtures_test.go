package testing

// Bodies recorded from a real Blazar (upstream zed), copied byte for byte.

// HostsListBody is hosts-list-admin.json.
const HostsListBody = `{"hosts": [{"created_at": "2026-11-24 18:49:10", "updated_at": null, "id": "1", "vcpus": 4, "cpu_info": "{}", "hypervisor_type": "QEMU", "hypervisor_version": 2010001, "hypervisor_hostname": "compute-1", "service_name": "compute-1", "memory_mb": 8192, "local_gb": 100, "status": null, "availability_zone": "nova", "trust_id": "5f2010c521314812955e55d0342eecec", "reservable": true, "node_type": "compute_skylake"}, {"created_at": "2026-11-24 18:49:18", "updated_at": null, "id": "2", "vcpus": 8, "cpu_info": "{}", "hypervisor_type": "QEMU", "hypervisor_version": 2010001, "hypervisor_hostname": "compute-2", "service_name": "compute-2", "memory_mb": 16384, "local_gb": 200, "status": null, "availability_zone": "nova", "trust_id": "249e4427b3c5481882ec67c97cad25ad", "reservable": true, "node_type": "compute_haswell"}]}`

// HostShowBody is host-show-admin.json.
const HostShowBody = `{"host": {"created_at": "2026-11-24 18:49:10", "updated_at": null, "id": "1", "vcpus": 4, "cpu_info": "{}", "hypervisor_type": "QEMU", "hypervisor_version": 2010001, "hypervisor_hostname": "compute-1", "service_name": "compute-1", "memory_mb": 8192, "local_gb": 100, "status": null, "availability_zone": "nova", "trust_id": "5f2010c521314812955e55d0342eecec", "reservable": true, "node_type": "compute_skylake"}}`

// AllocationsBody is allocations-admin.json.
const AllocationsBody = `{"allocations": [{"resource_id": "1", "reservations": [{"id": "0f355157-a458-40e1-9a10-8fe849da6d89", "lease_id": "59afa8a5-369e-42ee-8c67-32ce7e2848e8", "start_date": "2030-01-01T10:00:00.000000", "end_date": "2030-01-02T12:00:00.000000"}]}, {"resource_id": "2", "reservations": []}]}`

// PropertiesBody is properties-admin.json.
const PropertiesBody = `{"resource_properties": [{"property": "node_type", "private": false, "values": ["compute_skylake", "compute_haswell"]}]}`

// HostsMember403Body is hosts-list-member-403.json.
const HostsMember403Body = `{"error_code": 403, "error_message": "Policy doesn't allow blazar:oshosts:get to be performed", "error_name": 403}`

// ChameleonAllocationBody is one host's allocation as Chameleon's fork
// answers it (extras with user_name).
const ChameleonAllocationBody = `{"allocation": {"resource_id": "151", "reservations": [{"id": "r1", "lease_id": "l1", "start_date": "2021-12-16T17:11:00.000000", "end_date": "2021-12-16T17:13:00.000000", "extras": {"user_name": "alice"}}]}}`
