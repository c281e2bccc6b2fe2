using CostPilot.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class PersonalAccessTokenConfiguration : IEntityTypeConfiguration<PersonalAccessToken>
{
    public void Configure(EntityTypeBuilder<PersonalAccessToken> b)
    {
        b.ToTable("personal_access_tokens");
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.UserId).HasMaxLength(450).IsRequired();
        b.Property(t => t.Name).HasMaxLength(PersonalAccessToken.MaxNameLength).IsRequired();
        b.Property(t => t.TokenHash).HasMaxLength(PersonalAccessToken.HashLength).IsRequired();
        b.Property(t => t.Prefix).HasMaxLength(PersonalAccessToken.DisplayPrefixLength).IsRequired();
        b.HasOne<AppUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        // Every API request finds its token by the prefix, then compares the hash in constant time.
        b.HasIndex(t => t.Prefix);
        b.HasIndex(t => t.TokenHash).IsUnique();
        // A name tells a user's tokens apart while they work; a revoked token's name may be used again.
        b.HasIndex(t => new { t.UserId, t.Name }).IsUnique().HasFilter("revoked_at IS NULL");
    }
}
