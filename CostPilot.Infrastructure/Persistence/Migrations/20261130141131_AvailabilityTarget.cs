using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostPilot.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AvailabilityTarget : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "availability_target",
                table: "accounts",
                type: "numeric(6,3)",
                precision: 6,
                scale: 3,
                nullable: false,
                defaultValue: 99.9m);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "availability_target",
                table: "accounts");
        }
    }
}
