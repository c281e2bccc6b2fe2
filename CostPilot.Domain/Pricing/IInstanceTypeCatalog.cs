namespace CostPilot.Domain.Pricing;

/// <summary>The port instance-type facts come through (vCPUs, memory, architecture, generation), for rightsizing.</summary>
public interface IInstanceTypeCatalog
{
    /// <summary>The facts of one type ("m5.large"); null for a type the catalog does not know.</summary>
    InstanceTypeFacts? Find(string instanceType);

    /// <summary>Every type the catalog knows, in no particular order.</summary>
    IEnumerable<InstanceTypeFacts> All { get; }
}
