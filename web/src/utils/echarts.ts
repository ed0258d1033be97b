// Only what the rate charts draw: bars on a grid, with tooltip, legend and title, on canvas.
// Imported lazily by RateChart, so ECharts is fetched only by a page that shows a chart.
import { init, use } from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer]);
export { init };
