package networks

import "github.com/gophercloud/gophercloud/v2"

const resource = "networks"

func listURL(c *gophercloud.ServiceClient) string { return c.ServiceURL(resource) }

func getURL(c *gophercloud.ServiceClient, id string) string { return c.ServiceURL(resource, id) }

func allocationsURL(c *gophercloud.ServiceClient) string {
	return c.ServiceURL(resource, "allocations")
}

func allocationURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL(resource, id, "allocation")
}

func propertiesURL(c *gophercloud.ServiceClient) string {
	return c.ServiceURL(resource, "properties")
}
