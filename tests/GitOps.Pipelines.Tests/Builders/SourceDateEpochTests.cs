using GitOps.Pipelines.Builders;

namespace GitOps.Pipelines.Tests.Builders;

public class SourceDateEpochTests
{
    private static readonly DateTimeOffset Fallback = new(2020, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public class Parse
    {
        [Theory]
        [InlineData("1700000000", "2023-11-14T22:13:20+00:00")]
        [InlineData(" 0 ", "1970-01-01T00:00:00+00:00")]
        public void Reads_whole_seconds_since_1970(string value, string expected) =>
            Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SourceDateEpoch.Parse(value, Fallback));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void Falls_back_when_unset(string? value) =>
            Assert.Equal(Fallback, SourceDateEpoch.Parse(value, Fallback));

        [Theory]
        [InlineData("-1")]
        [InlineData("1.5")]
        [InlineData("2023-11-14")]
        [InlineData("99999999999999999")]
        public void Refuses_anything_but_a_non_negative_integer(string value)
        {
            var e = Assert.Throws<GitOpsException>(() => SourceDateEpoch.Parse(value, Fallback));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("SOURCE_DATE_EPOCH", e.Message);
        }
    }
}
