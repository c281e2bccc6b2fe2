using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RegionScans : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "region_scans",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    region = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_region_scans", x => new { x.account_id, x.region });
                    table.ForeignKey(
                        name: "fk_region_scans_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Accounts discovered before this table existed: each region's latest sighting stands in for its last scan.
            migrationBuilder.Sql("""
                INSERT INTO region_scans (account_id, region, completed_at)
                SELECT account_id, region, max(last_seen_at) FROM instances WHERE gone_at IS NULL GROUP BY account_id, region
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "region_scans");
        }
    }
}
