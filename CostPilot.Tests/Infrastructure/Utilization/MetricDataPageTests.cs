using System.Text;
using CostPilot.Infrastructure.Aws.CloudWatch;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>Reading GetMetricData pages with the UTF-8 scanner: the XML AWS may send, and what it must refuse.</summary>
public sealed class MetricDataPageTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 2, 5, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_PrettyPrintedWithDeclarationBomCommentsAndAttributes_SameAsCompact()
    {
        const string pretty = "\uFEFF" + """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- an answer -->
            <GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/" extra='a > b'>
              <GetMetricDataResult>
                <MetricDataResults>
                  <member>
                    <Id>q0</Id>
                    <Label>CPU</Label>
                    <Timestamps>
                      <member>2026-11-02T05:00:00Z</member>
                      <!-- between items -->
                      <member attr="1">2026-11-02T06:00:00Z</member>
                    </Timestamps>
                    <Values>
                      <member>
                        1.5
                      </member>
                      <member><![CDATA[2.5]]></member>
                    </Values>
                    <StatusCode>Complete</StatusCode>
                  </member>
                </MetricDataResults>
                <NextToken>token+/=&amp;more</NextToken>
              </GetMetricDataResult>
            </GetMetricDataResponse>
            """;

        using var page = Read(pretty, "q0");

        var member = Assert.Single(page.Members);
        Assert.Equal([Hour, Hour.AddHours(1)], page.Timestamps(member).ToArray());
        Assert.Equal([1.5, 2.5], page.Values(member).ToArray());
        Assert.Equal("token+/=&more", page.NextToken);
    }

    [Fact]
    public void Read_PrefixedElementsAndCharacterReferences_Decoded()
    {
        const string xml = """
            <cw:GetMetricDataResponse xmlns:cw="http://monitoring.amazonaws.com/doc/2010-08-01/"><cw:GetMetricDataResult>
            <cw:MetricDataResults><cw:member><cw:Id>q&#95;0</cw:Id><cw:Timestamps><cw:member>2026-11-02T05:00:00Z</cw:member></cw:Timestamps>
            <cw:Values><cw:member>&#x33;.25</cw:member></cw:Values><cw:StatusCode>PartialData</cw:StatusCode>
            <cw:Messages><cw:member><cw:Code>Note</cw:Code><cw:Value>a &lt;b&gt; &quot;c&quot; &apos;d&apos; ü 日本 &#128640;</cw:Value></cw:member></cw:Messages>
            </cw:member></cw:MetricDataResults></cw:GetMetricDataResult></cw:GetMetricDataResponse>
            """;

        using var page = Read(xml, "q_0");

        var member = Assert.Single(page.Members);
        Assert.Equal((0, MetricDataStatus.PartialData), (member.Query, member.Status));
        Assert.Equal([3.25], page.Values(member).ToArray());
        Assert.Equal(new MetricDataMessage("q_0", "Note", "a <b> \"c\" 'd' ü 日本 🚀"), Assert.Single(page.Messages));
    }

    [Fact]
    public void Read_EmptyListsAndUnknownElements_Skipped()
    {
        const string xml = """
            <GetMetricDataResponse><Unknown><deep><deeper>x</deeper></deep></Unknown><GetMetricDataResult><Surprise/>
            <MetricDataResults><member><Id>q0</Id><Timestamps/><Values></Values><Future><member>1</member></Future></member></MetricDataResults>
            <Messages/></GetMetricDataResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetMetricDataResponse>
            """;

        using var page = Read(xml, "q0");

        Assert.Equal(0, Assert.Single(page.Members).Count);
        Assert.Null(page.NextToken);
    }

    [Theory]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult>")]
    [InlineData("<!DOCTYPE x [<!ENTITY e 'boom'>]><GetMetricDataResponse/>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><NextToken>&bogus;</NextToken></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><NextToken><b>no</b></NextToken></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<ErrorResponse/>")]
    [InlineData("")]
    [InlineData("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Timestamps/></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>")]
    [InlineData("<GetMetricDataResponse attr=\"unterminated><GetMetricDataResult/></GetMetricDataResponse>")]
    public void Read_Malformed_ThrowsFormatException(string xml) =>
        Assert.Throws<FormatException>(() => Read(xml, "q0").Dispose());

    [Fact]
    public void Read_ManyPoints_GrowsItsPooledArrays()
    {
        var xml = new StringBuilder("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>q0</Id><Timestamps>");
        for (var h = 0; h < 10_000; h++)
        {
            xml.Append("<member>").Append(Hour.AddHours(h).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)).Append("</member>");
        }
        xml.Append("</Timestamps><Values>");
        for (var h = 0; h < 10_000; h++)
        {
            xml.Append("<member>").Append(h).Append("</member>");
        }
        xml.Append("</Values></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>");

        using var page = Read(xml.ToString(), "q0");

        var member = Assert.Single(page.Members);
        Assert.Equal(10_000, member.Count);
        Assert.Equal(Hour.AddHours(9_999), page.Timestamps(member)[9_999]);
        Assert.Equal(9_999, page.Values(member)[9_999]);
    }

    private static MetricDataPage Read(string xml, params string[] ids)
    {
        var lookup = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        return MetricDataPage.Read(Encoding.UTF8.GetBytes(xml), lookup.GetAlternateLookup<ReadOnlySpan<char>>(), ids);
    }
}
